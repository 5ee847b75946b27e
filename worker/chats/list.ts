import { and, eq, inArray, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import type { ChatListItem, MessageBody } from '../../protocol/http'
import type { Db } from '../db/client'
import { chatMembers, chats, users } from '../db/schema'
import type { Env } from '../env'
import { AppError } from '../errors'
import { errorFields, log } from '../log'
import type { ChatSummary } from '../rooms/object/chat-room'

const EMPTY: ChatSummary = { lastMessage: null, unreadCount: 0 }

/**
 * The user's chats, newest activity first. Previews and unread counts come from each chat's room
 * (one RPC per chat, in parallel), so sending a message never writes to D1.
 */
export async function listChats(db: Db, rooms: Env['CHAT_ROOM'], userId: number): Promise<ChatListItem[]> {
  const rows = await listChatRows(db, userId)
  const summaries = await Promise.all(rows.map((row) => summaryOf(rooms, row.chatId, userId)))
  const items = rows.map((row, i) => toListItem(row, summaries[i] ?? EMPTY))
  return items.sort((a, b) => b.last_activity_at.localeCompare(a.last_activity_at) || b.chat_id - a.chat_id)
}

/** One member's view of a chat, as D1 knows it: everything of a list row but the room's summary. */
export type ListRow = Awaited<ReturnType<ReturnType<typeof selectListRows>['all']>>[number]

/** The chats `userId` is a member of, in no particular order: the relational half of {@link listChats}. */
export function listChatRows(db: Db, userId: number): Promise<ListRow[]> {
  return selectListRows(db).where(eq(chatMembers.userId, userId)).all()
}

/**
 * The list rows of one chat for the channel's `chat` frames. `userIds` null (a new message): only
 * members whose live channel is open now (D1 `users.online`), so nobody calls the hub of someone who
 * is not listening. Named users (a membership change, their own read): those members whatever D1
 * says, because `online` flips only after a settle delay and a frame for a channel opened within it
 * must not be lost; a hub with no channel drops it (one call).
 */
export function listRowsOfChat(db: Db, chatId: number, userIds: number[] | null): Promise<ListRow[]> {
  if (userIds === null) return onlineRowsQuery(db).all({ chatId })
  return selectListRows(db)
    .innerJoin(users, eq(users.id, chatMembers.userId))
    .where(and(eq(chatMembers.chatId, chatId), inArray(chatMembers.userId, userIds)))
    .all()
}

// Every committed batch asks this once per notification window per room: building the query each
// time (drizzle walks the joins and aliases) was 12 % of the room thread with 50 rooms of 20 at
// saturation, all for a query that usually finds nobody online (`node bench/profile.mjs --rooms 50`).
// Prepared once per client: a D1 client lives as long as its binding (db/client.ts).
const onlineRowsQueries = new WeakMap<Db, ReturnType<typeof prepareOnlineRows>>()

function prepareOnlineRows(db: Db) {
  return selectListRows(db)
    .innerJoin(users, eq(users.id, chatMembers.userId))
    .where(and(eq(chatMembers.chatId, sql.placeholder('chatId')), eq(users.online, true)))
    .prepare()
}

function onlineRowsQuery(db: Db): ReturnType<typeof prepareOnlineRows> {
  let query = onlineRowsQueries.get(db)
  if (!query) {
    query = prepareOnlineRows(db)
    onlineRowsQueries.set(db, query)
  }
  return query
}

function selectListRows(db: Db) {
  const peer = alias(chatMembers, 'peer')
  const peerUser = alias(users, 'peer_user')
  return db
    .select({
      userId: chatMembers.userId,
      chatId: chats.id,
      isGroup: chats.isGroup,
      name: chats.name,
      visibility: chats.visibility,
      role: chatMembers.role,
      joinedAtMs: chatMembers.joinedAtMs,
      peerId: peerUser.id,
      peerName: peerUser.username,
      peerOnline: peerUser.online,
      peerLastSeenAtMs: peerUser.lastSeenAtMs,
    })
    .from(chatMembers)
    .innerJoin(chats, eq(chats.id, chatMembers.chatId))
    // The peer's chat id is NULL for a group, so the index lookup finds no row at once. With the
    // `is_group = 0` test beside the lookup instead, SQLite scans the chat's members for each member
    // and filters them after: (n + 1)² D1 rows read for a group of n (bench `cost` row, docs/performance.md).
    .leftJoin(peer, sql`${peer.chatId} = CASE WHEN ${chats.isGroup} = 0 THEN ${chats.id} END AND ${peer.userId} != ${chatMembers.userId}`)
    .leftJoin(peerUser, eq(peerUser.id, peer.userId))
    .$dynamic()
}

/** One member's list row of one chat (PATCH, transfer and join answer with it); 404 when not a member. */
export async function requireListItem(db: Db, rooms: Env['CHAT_ROOM'], chatId: number, userId: number): Promise<ChatListItem> {
  const [row] = await listRowsOfChat(db, chatId, [userId])
  if (!row) throw new AppError('not_found', 'No such chat.')
  return toListItem(row, await summaryOf(rooms, chatId, userId))
}

/** The room's preview and unread count for one member; an unreachable room leaves them empty. */
export function summaryOf(rooms: Env['CHAT_ROOM'], chatId: number, userId: number): Promise<ChatSummary> {
  return rooms
    .getByName(String(chatId))
    .summary(userId)
    .catch((err: unknown) => {
      // One unreachable room must not hide the whole list; its preview is left empty.
      log.error('chat_summary_failed', { chat_id: chatId, ...errorFields(err) })
      return EMPTY
    })
}

/** A D1 row and the room's summary as one GET /chat/list/ row (also the channel's `chat` frame). */
export function toListItem(row: ListRow, { lastMessage, unreadCount }: ChatSummary): ChatListItem {
  return {
    chat_id: row.chatId,
    is_group: row.isGroup,
    name: row.isGroup ? (row.name ?? '') : (row.peerName ?? 'Deleted user'),
    visibility: row.visibility,
    role: row.role,
    peer:
      row.peerId !== null && row.peerName !== null
        ? { userid: row.peerId, username: row.peerName, online: row.peerOnline ?? false, last_seen_at: row.peerOnline ? null : isoOrNull(row.peerLastSeenAtMs) }
        : null,
    last_message: lastMessage && toPreview(lastMessage),
    last_activity_at: lastMessage?.created_at ?? new Date(row.joinedAtMs).toISOString(),
    unread_count: unreadCount,
  }
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

function toPreview(m: MessageBody) {
  return { sender: m.sender, sender_id: m.sender_id, ...(m.sender_deleted ? { sender_deleted: true as const } : {}), message: m.message, created_at: m.created_at, seq: m.seq }
}
