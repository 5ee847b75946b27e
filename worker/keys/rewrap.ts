import { and, asc, gt, isNull } from 'drizzle-orm'
import type { RewrapResponse } from '../../protocol/key-rotation'
import { countKeysUnder, rewrapChatKeys } from '../crypto/chat-keys'
import type { Keyring } from '../crypto/keys'
import type { Db } from '../db/client'
import { chats } from '../db/schema'
import { errorFields, log } from '../log'
import type { ResealBatch } from '../rooms/object/chat-room'

/** What the walk needs from the rooms: `env.CHAT_ROOM` in the worker. */
export interface ResealGate {
  getByName(name: string): { resealMessages(limit: number): Promise<ResealBatch> }
}

/** One call's cursors and bounds (RewrapRequestSchema, already validated). */
export interface RewrapInput {
  keys_after: number
  rooms_after: number
  batch: number
  rows: number
}

/**
 * One bounded step of a master-key rotation (`npm run keys:rewrap`), both walks in chat id order:
 * 1. keys: up to `batch` data keys under an older master version are re-wrapped under the current one;
 * 2. rooms: up to `batch` chats' rooms each re-seal up to `rows` messages still sealed directly
 *    under a master key (rooms of chats without a key yet create it, under the current version).
 * The caller repeats with the returned cursors until `done`. Every part is idempotent, so a run
 * interrupted anywhere resumes from its last cursors or starts again from 0. The old master version
 * can go once a run ends done with no unreadable key, no stuck or failed room, and `keys_not_current` empty.
 */
export async function rewrapStep(db: Db, rooms: ResealGate, keyring: Keyring, input: RewrapInput): Promise<RewrapResponse> {
  const keys = await rewrapChatKeys(db, keyring, input.keys_after, input.batch)
  const roomsStep = await resealRooms(db, rooms, input.rooms_after, input.batch, input.rows)
  const report: RewrapResponse = {
    master_version: keyring.current,
    keys: { rewrapped: keys.rewrapped, unreadable: keys.unreadable, next_after: keys.nextAfter, done: keys.done },
    rooms: roomsStep,
    keys_not_current: await countKeysUnder(db, keyring.current),
    done: keys.done && roomsStep.done,
  }
  log.info('keys_rewrap_step', {
    master_version: report.master_version,
    keys_rewrapped: keys.rewrapped,
    keys_unreadable: keys.unreadable.length,
    rooms_visited: roomsStep.visited,
    messages_resealed: roomsStep.resealed,
    rooms_failed: roomsStep.failed.length,
    done: report.done,
  })
  return report
}

/**
 * Asks the rooms of up to `batch` chats after `afterChatId` to re-seal up to `rows` messages each,
 * in parallel. The cursor stops before the first room that made progress and still has old rows, so
 * the next call continues it; a room that can make no progress (its rows do not open) is reported
 * stuck and passed, and so is one whose call failed.
 */
async function resealRooms(db: Db, rooms: ResealGate, afterChatId: number, batch: number, rows: number): Promise<RewrapResponse['rooms']> {
  // Deleted chats are passed: their data key was destroyed on purpose and their room erased, so they
  // hold nothing to re-seal (a room asked anyway answers nothing left, see ChatRoom.resealMessages).
  const live = and(gt(chats.id, afterChatId), isNull(chats.deletedAtMs))
  const ids = (await db.select({ id: chats.id }).from(chats).where(live).orderBy(asc(chats.id)).limit(batch + 1)).map((r) => r.id)
  const page = ids.slice(0, batch)
  const results = await Promise.allSettled(page.map((id) => rooms.getByName(String(id)).resealMessages(rows)))
  const step: RewrapResponse['rooms'] = { visited: page.length, resealed: 0, still_old: 0, stuck: [], failed: [], next_after: afterChatId, done: false }
  let unfinished: number | null = null
  results.forEach((result, i) => {
    const chatId = page[i]!
    if (result.status === 'rejected') {
      log.warn('reseal_failed', { chat_id: chatId, ...errorFields(result.reason) })
      step.failed.push(chatId)
      return
    }
    const { resealed, remaining } = result.value
    step.resealed += resealed
    if (remaining === 0) return
    if (resealed > 0) unfinished ??= chatId
    else {
      step.stuck.push(chatId)
      step.still_old += remaining
    }
  })
  step.next_after = unfinished !== null ? unfinished - 1 : (page.at(-1) ?? afterChatId)
  step.done = unfinished === null && ids.length <= batch
  return step
}
