import type { MessageBody } from '../../../../protocol/http'
import type { MessageFrame, MessageUpdatedFrame } from '../../../../protocol/socket'
import type { ShardEntry } from '../../shard/plan'
import type { Room } from '../room'
import { loadBodies } from './bodies'
import { findMessages, listEntriesAfter } from './store'

// The log read back as its live frames, in seq order: what a replay (`since`, `resume`) and a fan-out
// shard filling a gap deliver (admission.ts, shard-calls.ts).

/** A log entry with its message's current state: a message entry (`targetSeq` null) or a change entry of message `targetSeq`. */
export interface LoadedEntry {
  seq: number
  targetSeq: number | null
  message: MessageBody
}

/**
 * Up to `limit` entries with seq > `since`, oldest first, each message read and decrypted once for
 * the page. `next` is the last seq read when the page was full (ask again after it), null when the
 * log ends within the page.
 */
export async function loadEntriesAfter(room: Room, since: number, limit: number): Promise<{ entries: LoadedEntry[]; next: number | null }> {
  const page = listEntriesAfter(room.ctx.storage.sql, since, limit)
  const rows = findMessages(room.db, [...new Set(page.map((e) => e.targetSeq ?? e.seq))])
  const bodies = new Map((await loadBodies(room, rows)).map((b) => [b.seq, b]))
  const entries: LoadedEntry[] = []
  for (const { seq, targetSeq } of page) {
    const message = bodies.get(targetSeq ?? seq)
    if (message) entries.push({ seq, targetSeq, message })
  }
  return { entries, next: page.length < limit ? null : page[page.length - 1]!.seq }
}

/** The frame an `edge-chat.v1` socket gets for the entry: `message`, or `message_updated` for a change. */
export function entryFrame({ seq, targetSeq, message }: LoadedEntry): MessageFrame | MessageUpdatedFrame {
  return targetSeq === null ? { type: 'message', ...message } : { type: 'message_updated', seq, message }
}

/** The entry serialized once (`ShardEntry`): a message entry as its body's JSON, a change entry as its `message_updated` frame. */
export function serializeEntry(entry: LoadedEntry): ShardEntry {
  return entry.targetSeq === null ? { seq: entry.seq, body: JSON.stringify(entry.message) } : { seq: entry.seq, frame: JSON.stringify(entryFrame(entry)) }
}
