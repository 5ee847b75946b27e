import { and, asc, eq, isNull, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import { DELETED_USER_NAME, type AccountExport, type ExportedChat, type ExportedMessage, type MessageBody } from '../../protocol/http'
import type { Db } from '../db/client'
import { chatMembers, chats, users } from '../db/schema'
import { AppError } from '../errors'
import { errorFields, log } from '../log'

/** Messages asked of a room per call: one page is decrypted and written before the next is read. */
export const EXPORT_PAGE_MESSAGES = 500

/** What the export needs of the rooms: `env.CHAT_ROOM`, narrowed to the one call. */
export interface ExportRooms {
  getByName(name: string): { messagesOf(userId: number, after: number, limit: number): Promise<MessageBody[]> }
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The profile part of the export; 401 `invalid_token` when the account was deleted. */
async function readProfile(db: Db, userId: number, nowMs: number): Promise<Omit<AccountExport, 'chats'>> {
  const user = await db
    .select({ id: users.id, username: users.username, email: users.email, readReceipts: users.readReceipts, createdAtMs: users.createdAtMs })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAtMs)))
    .get()
  if (!user) throw new AppError('invalid_token', 'The account behind this token no longer exists.')
  const profile = { userid: user.id, username: user.username, email: user.email, read_receipts: user.readReceipts, created_at: iso(user.createdAtMs) }
  return { format: 'edge-chat-export/1', exported_at: iso(nowMs), profile }
}

type ChatHead = Omit<ExportedChat, 'messages'>

/** The user's chats, oldest membership first, each with its members (read per chat, so memory stays one chat's worth). */
async function* chatHeads(db: Db, userId: number): AsyncGenerator<ChatHead> {
  const peer = alias(chatMembers, 'peer')
  const peerUser = alias(users, 'peer_user')
  const rows = await db
    .select({ chatId: chats.id, isGroup: chats.isGroup, name: chats.name, visibility: chats.visibility, role: chatMembers.role, joinedAtMs: chatMembers.joinedAtMs, peerName: peerUser.username })
    .from(chatMembers)
    .innerJoin(chats, eq(chats.id, chatMembers.chatId))
    .leftJoin(peer, sql`${chats.isGroup} = 0 AND ${peer.chatId} = ${chats.id} AND ${peer.userId} != ${chatMembers.userId}`)
    .leftJoin(peerUser, eq(peerUser.id, peer.userId))
    .where(eq(chatMembers.userId, userId))
    .orderBy(asc(chatMembers.joinedAtMs), asc(chats.id))
    .all()
  for (const row of rows) {
    const members = await db
      .select({ userid: users.id, username: users.username, role: chatMembers.role })
      .from(chatMembers)
      .innerJoin(users, eq(users.id, chatMembers.userId))
      .where(eq(chatMembers.chatId, row.chatId))
      .orderBy(asc(chatMembers.joinedAtMs), asc(users.id))
      .all()
    yield {
      chat_id: row.chatId,
      is_group: row.isGroup,
      name: row.isGroup ? (row.name ?? '') : (row.peerName ?? DELETED_USER_NAME),
      visibility: row.visibility,
      role: row.role,
      joined_at: iso(row.joinedAtMs),
      members,
    }
  }
}

function toExported(m: MessageBody): ExportedMessage {
  return { seq: m.seq, id: m.id, message: m.message, created_at: m.created_at, client_id: m.client_id }
}

/**
 * GET /me/export/ as JSON text in pieces (an `AccountExport`): the head with the profile, then per
 * chat its head and members, then the user's own messages page by page (`pageSize` per room call,
 * through `messagesOf`), then the closing brackets. Pieces are made only as they are asked for, so at
 * most one page of messages is held at a time, whatever the total. The profile is read before the
 * first piece is returned, so a deleted account gets its 401 as an HTTP answer, not a broken stream.
 */
export async function exportAccount(db: Db, rooms: ExportRooms, userId: number, pageSize = EXPORT_PAGE_MESSAGES, nowMs = Date.now()): Promise<AsyncGenerator<string>> {
  const head = await readProfile(db, userId, nowMs)
  return (async function* () {
    yield `${JSON.stringify(head).slice(0, -1)},"chats":[`
    let isFirstChat = true
    for await (const chat of chatHeads(db, userId)) {
      yield `${isFirstChat ? '' : ','}${JSON.stringify(chat).slice(0, -1)},"messages":[`
      isFirstChat = false
      const room = rooms.getByName(String(chat.chat_id))
      let after = 0
      for (;;) {
        const page = await room.messagesOf(userId, after, pageSize)
        if (page.length === 0) break
        yield `${after === 0 ? '' : ','}${page.map((m) => JSON.stringify(toExported(m))).join(',')}`
        after = page[page.length - 1]!.seq
        if (page.length < pageSize) break
      }
      yield ']}'
    }
    yield ']}'
  })()
}

/**
 * A byte stream over `pieces`, pulled: the next piece is made only when the reader wants more
 * (highWaterMark 0), so a slow download never makes the Worker read ahead. A failure midway is
 * logged and errors the stream (the client sees a cut-off download, never a valid-looking partial file).
 */
export function streamPieces(pieces: AsyncGenerator<string>, userId: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await pieces.next()
          if (done) controller.close()
          else controller.enqueue(encoder.encode(value))
        } catch (err) {
          log.error('export_failed', { user_id: userId, ...errorFields(err) })
          controller.error(new Error('export failed'))
        }
      },
      async cancel() {
        await pieces.return(undefined)
      },
    },
    { highWaterMark: 0 },
  )
}
