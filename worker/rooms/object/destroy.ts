import { eq } from 'drizzle-orm'
import { CLOSE_CODES } from '../../../protocol/socket'
import { closeNow } from './fan-out'
import { roomMeta } from './log/schema'
import { migrateLog, type LogDb } from './log/store'
import type { Room } from './room'
import { destroyShards } from './shards'
import { socketEntry } from './sockets'

// The room's half of DELETE /chat/<id>/ (worker/chats/delete.ts): the worker has already marked the
// chat deleted in D1, so no new socket or call gets past it; this empties the object.

const DESTROYED_KEY = 'destroyed_at_ms'

/**
 * Closes every socket with 4004 `chatDeleted` (a sharded group's shards too, which erase themselves), then deletes the alarm and all storage (messages,
 * cursors, removal marks) after any batch already in the room's exclusive chain, so nothing that
 * batch stores outlives the deletion. The log's tables are then recreated empty (the instance keeps
 * serving, as a new object would) with one `room_meta` row saying it was destroyed, which refuses a
 * socket the worker admitted just before D1 changed. Idempotent. Returns how many sockets were open.
 */
export async function destroyRoom(ctx: DurableObjectState, db: LogDb, opened: Promise<Room> | undefined, nowMs: number): Promise<number> {
  const sockets = ctx.getWebSockets()
  for (const ws of sockets) closeNow(ws, socketEntry(ctx, ws, nowMs), CLOSE_CODES.chatDeleted, 'The chat was deleted.')
  // Before the erase, which drops the shard count: a sharded group's shards close theirs and are erased.
  const onShards = await destroyShards(ctx)
  const erase = async () => {
    await ctx.storage.deleteAlarm()
    await ctx.storage.deleteAll()
  }
  const room = await opened?.catch(() => null)
  await (room ? room.exclusive(erase) : erase())
  await migrateLog(db)
  db.insert(roomMeta).values({ key: DESTROYED_KEY, value: nowMs }).onConflictDoNothing().run()
  destroyedOf.set(db, true)
  return sockets.length + onShards
}

// Every upgrade asks, and only `destroyRoom` writes the mark, through the same instance's LogDb: the
// answer is kept per LogDb (one per instance), saving a drizzle query (about 9 % of the room's CPU per
// upgrade, profiled) on every connect after the first.
const destroyedOf = new WeakMap<LogDb, boolean>()

/** True once `destroyRoom` ran on this storage. */
export function isDestroyed(db: LogDb): boolean {
  let destroyed = destroyedOf.get(db)
  if (destroyed === undefined) {
    destroyed = db.select({ value: roomMeta.value }).from(roomMeta).where(eq(roomMeta.key, DESTROYED_KEY)).get() !== undefined
    destroyedOf.set(db, destroyed)
  }
  return destroyed
}
