import type { LogSlice } from '../object/chat-room'
import { broadcastTo } from '../object/fan-out'
import type { ShardEntry } from './plan'
import { deliveredSeq, recordDelivered, roomOf, type Shard } from './shard'

// The shard's ordered stream: batches from the room are delivered in seq order, each entry once to
// every socket. The delivered seq D says how far every open socket is. A batch that starts after
// D + 1 means one was missed (a failed call, calls overtaking each other): the gap is filled from the
// room's log first. A batch ending at or before D was delivered already (by a fill) and is dropped.

/** A socket joining the stream (attach or `resume`): it gets every entry after `after`, once. */
export interface Joiner {
  ws: WebSocket
  after: number
}

/**
 * Delivers `first` and the pages after it (`shardSync`) until the slice reaches the room's last seq:
 * entries after `from` (= D) to `others`, entries after `joiner.after` to the joiner. Returns the new
 * D. Runs inside `shard.exclusive`; the room read each page between two batches, so every batch
 * after the last page's `lastSeq` is still to come through `deliver` and nothing is sent twice.
 */
export async function drain(shard: Shard, first: LogSlice, from: number, others: WebSocket[], joiner: Joiner | null = null): Promise<number> {
  let slice = first
  let seq = from
  for (;;) {
    const last = slice.next ?? slice.lastSeq
    seq = Math.max(seq, last)
    if (seq > deliveredSeq(shard)) {
      recordDelivered(shard, seq)
      await shard.ctx.storage.sync()
    }
    for (const entry of slice.entries) {
      if (entry.seq > from) broadcastTo(others, entry.frame)
      if (joiner && entry.seq > joiner.after) broadcastTo([joiner.ws], entry.frame)
    }
    if (slice.next === null) return seq
    slice = await roomOf(shard).shardSync(last)
  }
}

/** Fills the stream from the room's log up to its last seq (a gap, or an ack ahead of its batch). */
export async function fillGap(shard: Shard): Promise<number> {
  const from = deliveredSeq(shard)
  return drain(shard, await roomOf(shard).shardSync(from), from, shard.ctx.getWebSockets())
}

/**
 * The room's `deliver` call: one committed batch, in seq order. Waits for the record of the new D to
 * be durable before sending (once per batch, as the room's commit does), so a shard woken from
 * hibernation never resends or skips.
 */
export function deliverBatch(shard: Shard, entries: ShardEntry[]): Promise<void> {
  return shard.exclusive(async () => {
    if (shard.destroyed) return
    const last = entries[entries.length - 1]
    const from = deliveredSeq(shard)
    if (!last || last.seq <= from) return
    if (entries[0]!.seq > from + 1) {
      await fillGap(shard)
      return
    }
    recordDelivered(shard, last.seq)
    await shard.ctx.storage.sync()
    const sockets = shard.ctx.getWebSockets()
    for (const entry of entries) if (entry.seq > from) broadcastTo(sockets, entry.frame)
  })
}

/** Makes sure the stream reached `seq` (an ack is sent only after its message). */
export function catchUpTo(shard: Shard, seq: number): Promise<void> {
  return shard.exclusive(async () => {
    if (deliveredSeq(shard) < seq) await fillGap(shard)
  })
}

/**
 * A `resume` frame on a shard socket: every entry after `since` to it, then `resumed`; entries the
 * stream had not reached yet go to the other sockets too, so the live batches after it repeat nothing.
 */
export function resumeOnShard(shard: Shard, ws: WebSocket, since: number): Promise<number> {
  return shard.exclusive(async () => {
    const from = deliveredSeq(shard)
    const others = shard.ctx.getWebSockets().filter((other) => other !== ws)
    return drain(shard, await roomOf(shard).shardSync(Math.min(since, from)), from, others, { ws, after: since })
  })
}
