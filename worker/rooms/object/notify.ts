import type { ChatFrame } from '../../../protocol/channel'
import { listRowsOfChat, toListItem } from '../../chats/list'
import { dbForEnv } from '../../db/for-env'
import type { Env } from '../../env'
import { errorFields, log } from '../../log'
import { toMessageBody } from './log/seal'
import { countUnread, findNewestMessage } from './log/store'
import type { Room } from './room'

// The room tells its members' hubs (worker/live/) that their list row changed: coalesced per chat.

/**
 * How long the room gathers changes before telling the hubs: every batch committed and every read
 * cursor moved within the window costs one D1 query and one hub call per online member, not one
 * per message. Short enough that a badge appears within a second (issue #11).
 */
export const NOTIFY_WINDOW_MS = 500

interface Pending {
  env: Env
  timer: ReturnType<typeof setTimeout> | null
  /** A message was stored: every online member's row changed. */
  everyone: boolean
  /** Members whose read cursor moved: their own row (unread count) changed. */
  readers: Set<number>
}

// Memory only. A pending timer keeps the object awake (it cannot hibernate with one), so nothing
// is lost to hibernation; an eviction inside the window (a deploy) loses one update, which a channel
// reconnect repairs (the client reloads the list on `ready`).
const pending = new WeakMap<DurableObjectState, Pending>()

/** Called once from the room's constructor: the notifier needs D1 and the hubs' namespace. */
export function registerNotifier(ctx: DurableObjectState, env: Env): void {
  pending.set(ctx, { env, timer: null, everyone: false, readers: new Set() })
}

/** A batch of messages was committed, or a message was edited or deleted (the preview may change). */
export function messagesStored(room: Room): void {
  const p = pending.get(room.ctx)
  if (!p) return
  p.everyone = true
  schedule(room, p)
}

/** `userId`'s read cursor moved: their other tabs' unread badge must follow. */
export function readerMoved(room: Room, userId: number): void {
  const p = pending.get(room.ctx)
  if (!p) return
  p.readers.add(userId)
  schedule(room, p)
}

function schedule(room: Room, p: Pending): void {
  if (p.timer !== null) return
  p.timer = setTimeout(() => {
    p.timer = null
    const everyone = p.everyone
    const readers = [...p.readers]
    p.everyone = false
    p.readers.clear()
    void flush(room, p.env, everyone ? null : readers).catch((err: unknown) => log.error('chat_notify_failed', { chat_id: room.chatId, ...errorFields(err) }))
  }, NOTIFY_WINDOW_MS)
}

/**
 * One D1 query for the online members concerned, one decryption of the newest message, one unread
 * count and one hub call per member. `userIds` null: every online member.
 */
async function flush(room: Room, env: Env, userIds: number[] | null): Promise<void> {
  const rows = await listRowsOfChat(await dbForEnv(env), room.chatId, userIds)
  if (rows.length === 0) return
  const newest = findNewestMessage(room.db)
  const lastMessage = newest ? await toMessageBody(room, newest) : null
  await Promise.all(
    rows.map((row) => {
      const frame: ChatFrame = { type: 'chat', chat: toListItem(row, { lastMessage, unreadCount: countUnread(room.db, row.userId) }) }
      return env.USER_HUB.getByName(String(row.userId))
        .deliver(JSON.stringify(frame))
        .catch((err: unknown) => log.error('hub_call_failed', { chat_id: room.chatId, user_id: row.userId, ...errorFields(err) }))
    }),
  )
}
