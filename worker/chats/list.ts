import { eq, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import type { ChatListItem, ChatVisibility, MemberRole, MessageBody } from '../../protocol/http'
import type { Db } from '../db/client'
import { chatMembers, chats, users } from '../db/schema'
import type { Env } from '../env'
import { errorFields, log } from '../log'
import type { ChatSummary } from '../rooms/object/chat-room'

const EMPTY: ChatSummary = { lastMessage: null, unreadCount: 0 }

/** One of the user's chats as D1 (or libSQL) knows it: the caller's role and, for a 1:1 chat, the peer. */
export interface ChatRow {
  chatId: number
  isGroup: boolean
  name: string | null
  visibility: ChatVisibility | null
  role: MemberRole
  joinedAtMs: number
  peerId: number | null
  peerName: string | null
}

/** The chats `userId` is a member of, in no particular order: the relational half of {@link listChats}. */
export async function listChatRows(db: Db, userId: number): Promise<ChatRow[]> {
  const peer = alias(chatMembers, 'peer')
  return db
    .select({
      chatId: chats.id,
      isGroup: chats.isGroup,
      name: chats.name,
      visibility: chats.visibility,
      role: chatMembers.role,
      joinedAtMs: chatMembers.joinedAtMs,
      peerId: users.id,
      peerName: users.username,
    })
    .from(chatMembers)
    .innerJoin(chats, eq(chats.id, chatMembers.chatId))
    .leftJoin(peer, sql`${chats.isGroup} = 0 AND ${peer.chatId} = ${chats.id} AND ${peer.userId} != ${userId}`)
    .leftJoin(users, eq(users.id, peer.userId))
    .where(eq(chatMembers.userId, userId))
    .all()
}

/**
 * The user's chats, newest activity first. Previews and unread counts come from each chat's room
 * (one RPC per chat, in parallel), so sending a message never writes to D1.
 */
export async function listChats(db: Db, rooms: Env['CHAT_ROOM'], userId: number): Promise<ChatListItem[]> {
  const rows = await listChatRows(db, userId)
  const summaries = await Promise.all(
    rows.map((row) =>
      rooms
        .getByName(String(row.chatId))
        .summary(userId)
        .catch((err: unknown) => {
          // One unreachable room must not hide the whole list; its preview is left empty.
          log.error('chat_summary_failed', { chat_id: row.chatId, ...errorFields(err) })
          return EMPTY
        }),
    ),
  )
  const items = rows.map((row, i): ChatListItem => {
    const { lastMessage, unreadCount } = summaries[i] ?? EMPTY
    return {
      chat_id: row.chatId,
      is_group: row.isGroup,
      name: row.isGroup ? (row.name ?? '') : (row.peerName ?? 'Deleted user'),
      visibility: row.visibility,
      role: row.role,
      peer: row.peerId !== null && row.peerName !== null ? { userid: row.peerId, username: row.peerName } : null,
      last_message: lastMessage && toPreview(lastMessage),
      last_activity_at: lastMessage?.created_at ?? new Date(row.joinedAtMs).toISOString(),
      unread_count: unreadCount,
    }
  })
  return items.sort((a, b) => b.last_activity_at.localeCompare(a.last_activity_at) || b.chat_id - a.chat_id)
}

function toPreview(m: MessageBody) {
  return { sender: m.sender, sender_id: m.sender_id, message: m.message, created_at: m.created_at, seq: m.seq }
}
