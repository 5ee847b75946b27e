import type { ReadNoticeFrame, ReadPosition } from '../../../protocol/socket'
import type { Member } from '../member'
import { broadcastTo } from './fan-out'
import { advanceReadCursor } from './log/store'
import { readerMoved } from './notify'
import type { Room } from './room'
import { notifyShards } from './shards'
import { LEGACY_TAG } from './sockets'

// Read receipts inside the room: who has them off, the `read` frame, the ready frame's `reads`.

/**
 * Members of this chat with read receipts off, in the object's key-value storage (no migration:
 * SQLite-backed objects have it built in). Copied from D1 once with the members (`members.ts`), then
 * kept by `admit` (the joining user's setting) and the `setReadReceipts` RPC on PATCH /me/.
 */
const RECEIPTS_OFF_KEY = 'receipts_off'


// The list in memory, read from storage once per storage object: every upgrade's ready frame needs
// it (a key-value read was about 2 % of the worker's thread in an upgrade burst). Written through by
// `recordReceiptsOff`, the only writer of the key.
const copies = new WeakMap<SyncKvStorage, readonly number[]>()

function receiptsOff(ctx: DurableObjectState): readonly number[] {
  const kv = ctx.storage.kv
  let list = copies.get(kv)
  if (!list) {
    list = kv.get<number[]>(RECEIPTS_OFF_KEY) ?? []
    copies.set(kv, list)
  }
  return list
}

/** Replaces the list with D1's (the one-time copy). */
export function recordReceiptsOff(ctx: DurableObjectState, userIds: number[]): void {
  ctx.storage.kv.put(RECEIPTS_OFF_KEY, userIds)
  copies.set(ctx.storage.kv, [...userIds])
}

/** One member turned read receipts on or off (PATCH /me/). */
export function setReceipts(ctx: DurableObjectState, userId: number, on: boolean): void {
  const others = receiptsOff(ctx).filter((id) => id !== userId)
  recordReceiptsOff(ctx, on ? others : [...others, userId])
}

/**
 * The other members' read positions for the ready frame. Like every major chat, a member with
 * receipts off neither shows theirs nor sees anyone's: empty for them, and they are left out. So are
 * people whose membership ended (`room.removed`: removed or left): a newcomer must not learn how far
 * someone they never shared the chat with had read, whatever that person's setting was.
 */
export function readsFor(room: Room, userId: number): ReadPosition[] {
  const off = receiptsOff(room.ctx)
  if (off.includes(userId)) return []
  // Plain SQL: every upgrade sends these, and building the query through drizzle cost about as much
  // as the rest of the accept (profiled).
  return room.ctx.storage.sql
    .exec<{ user_id: number; seq: number }>('SELECT user_id, seq FROM read_cursors WHERE user_id != ?', userId)
    .toArray()
    .filter((r) => r.seq > 0 && !off.includes(r.user_id) && !room.removed.has(r.user_id))
}

function cursorOf(sql: SqlStorage, userId: number): number {
  return sql.exec<{ seq: number }>('SELECT seq FROM read_cursors WHERE user_id = ?', userId).toArray()[0]?.seq ?? 0
}

/**
 * The `read` frame: moves the member's cursor forward (never past the last stored seq). Only a move
 * tells anyone: the other members' sockets get `{ type: "read", user_id, seq }` (receipts rules
 * applied), and the reader's hub gets their new unread count for their other tabs. A repeated or
 * older `read` costs one indexed lookup and sends nothing, so a client may send one per message seen.
 */
export function onRead(room: Room, member: Member, seq: number): void {
  const sql = room.ctx.storage.sql
  const target = Math.min(seq, room.lastSeq)
  if (target <= cursorOf(sql, member.userId)) return
  advanceReadCursor(sql, member.userId, target)
  readerMoved(room, member.userId)
  const off = receiptsOff(room.ctx)
  if (off.includes(member.userId)) return
  const notice: ReadNoticeFrame = { type: 'read', user_id: member.userId, seq: target }
  const payload = JSON.stringify(notice)
  const readerTag = String(member.userId)
  const sockets = room.ctx.getWebSockets().filter((ws) => {
    const tags = room.ctx.getTags(ws)
    return !tags.includes(readerTag) && !tags.includes(LEGACY_TAG) && !tags.some((tag) => off.includes(Number(tag)))
  })
  broadcastTo(sockets, payload)
  notifyShards(room.ctx, payload, [member.userId, ...off])
}
