import type { LogSlice } from '../object/chat-room'
import { listSockets, oneSocket, sendEntries, type SocketLists } from '../object/fan-out'
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
  /** The socket speaks `edge-chat.v2`: runs of messages reach it as `messages` frames. */
  batched: boolean
}

/** The stream's sockets by protocol (`listSockets`; a shard holds no legacy socket). */
export type StreamSockets = Pick<SocketLists, 'batched' | 'unbatched'>

/**
 * Delivers `first` and the pages after it (`shardSync`) until the slice reaches the room's last seq:
 * entries after `from` (= D) to `others`, entries after `joiner.after` to the joiner, v2 sockets with
 * runs of messages coalesced as in the room's replay (`sendEntries`). Returns the new D. Runs inside
 * `shard.exclusive`; the room read each page between two batches, so every batch after the last
 * page's `lastSeq` is still to come through `deliver` and nothing is sent twice.
 */
export async function drain(shard: Shard, first: LogSlice, from: number, others: StreamSockets, joiner: Joiner | null = null): Promise<number> {
  let slice = first
  let seq = from
  for (;;) {
    const last = slice.next ?? slice.lastSeq
    seq = Math.max(seq, last)
    if (seq > deliveredSeq(shard)) {
      recordDelivered(shard, seq)
      await shard.ctx.storage.sync()
    }
    sendEntries(others, after(slice.entries, from))
    if (joiner) sendEntries(oneSocket(joiner.ws, joiner.batched), after(slice.entries, joiner.after))
    if (slice.next === null) return seq
    slice = await roomOf(shard).shardSync(last)
  }
}

/** The entries (seq order) with seq > `seq`. */
function after(entries: ShardEntry[], seq: number): ShardEntry[] {
  const start = entries.findIndex((entry) => entry.seq > seq)
  if (start === 0) return entries
  return start === -1 ? [] : entries.slice(start)
}

/** Fills the stream from the room's log up to its last seq (a gap, or an ack ahead of its batch). */
export async function fillGap(shard: Shard): Promise<number> {
  const from = deliveredSeq(shard)
  return drain(shard, await roomOf(shard).shardSync(from), from, listSockets(shard.ctx))
}

/**
 * The room's `deliver` call: one committed batch, in seq order. Waits for the record of the new D to
 * be durable before sending (once per batch, as the room's commit does), so a shard woken from
 * hibernation never resends or skips. A v1 socket gets a frame per entry; a v2 socket the batch's
 * messages as one `messages` frame, like the room's own v2 sockets (`sendEntries`).
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
    sendEntries(listSockets(shard.ctx), after(entries, from))
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
export function resumeOnShard(shard: Shard, ws: WebSocket, batched: boolean, since: number): Promise<number> {
  return shard.exclusive(async () => {
    const from = deliveredSeq(shard)
    const { batched: v2, unbatched: v1 } = listSockets(shard.ctx)
    const others = { batched: v2.filter((other) => other !== ws), unbatched: v1.filter((other) => other !== ws) }
    return drain(shard, await roomOf(shard).shardSync(Math.min(since, from)), from, others, { ws, after: since, batched })
  })
}
