import type { ReadPosition } from '../../../protocol'
import type { ViewMessage } from './messages'

/** Other members' read positions by user id: each has read every message with seq <= the value. */
export type Reads = ReadonlyMap<number, number>

/** The room's `ready.reads`: everyone's position at (re)connect, replacing what was known. */
export function readsFrom(positions: readonly ReadPosition[]): Reads {
  return new Map(positions.map((p) => [p.user_id, p.seq]))
}

/** A `read` frame: positions only move forward (a late or repeated frame never moves one back). */
export function noteRead(reads: Reads, { user_id, seq }: ReadPosition): Reads {
  if ((reads.get(user_id) ?? 0) >= seq) return reads
  return new Map(reads).set(user_id, seq)
}

/** Where "Seen" goes: the seq of one own message and the ids of the others who have read it. */
export interface Receipt {
  seq: number
  readerIds: number[]
}

/**
 * The newest own stored message that at least one other member has read, with everyone who has
 * (position >= its seq). In a 1:1 that is "Seen" under the latest own message the other has
 * read; in a group "Seen by N". Null when no own message has been read.
 */
export function findReceipt(messages: readonly ViewMessage[], reads: Reads, myId: number): Receipt | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const { seq, senderId } = messages[i]!
    if (seq === null || senderId !== myId) continue
    const readerIds = [...reads].filter(([userId, readSeq]) => userId !== myId && readSeq >= seq).map(([userId]) => userId)
    if (readerIds.length > 0) return { seq, readerIds }
  }
  return null
}

/**
 * The readers' names in alphabetical order, from the room's member list or, before it has loaded,
 * the names messages carry; `unknown` counts the ids neither knows (a member who joined since).
 */
export function readerNames(readerIds: readonly number[], names: ReadonlyMap<number, string>, messages: readonly ViewMessage[]): { names: string[]; unknown: number } {
  const fromMessages = new Map(messages.map((m) => [m.senderId, m.sender]))
  const known = readerIds.map((id) => names.get(id) ?? fromMessages.get(id)).filter((name) => name !== undefined)
  return { names: known.sort((a, b) => a.localeCompare(b)), unknown: readerIds.length - known.length }
}
