import { DATA_KEY_VERSION } from '../../../crypto/data-keys'
import { errorFields, log } from '../../../log'
import { expireNoLaterThan } from '../admission'
import type { Room } from '../room'
import type { StoredMessage } from './schema'
import { resealMessage } from './seal'
import { countSealedUnderMaster, findMeta, listSealedUnder, recordMeta, replaceSealing, type LogDb } from './store'

// Rows stored before per-chat keys are sealed directly under a master version of MESSAGE_KEYS.
// They keep reading (the room keyring holds every master version) while this moves them, a bounded
// batch at a time, under the chat's data key. Until then destroying the data key does not shred
// them, and an old master version cannot be removed. Two walks do it: the room's own, driven by its
// alarm after it wakes (`resealAfterWake`, `resealOnAlarm`), and the operator's rewrap command
// (`resealBatch`, from `worker/keys/rewrap.ts`); group deletion finishes the room's walk at once
// (`resealAll`) before it destroys the key.

/** Rows per batch of the room's own walk: one batch's decrypt + encrypt stays a few ms between sends. */
export const AUTO_RESEAL_ROWS = 200
/** How long after the room wakes its walk starts: the wake's own work (upgrades, replays) goes first. */
export const RESEAL_AFTER_WAKE_MS = 60_000
/** The pause between two batches of the walk, so a large log is moved as a trickle. */
export const RESEAL_PAUSE_MS = 1_000

/** `room_meta`: the walk's cursor (every row up to this seq was visited) and its end (a time, ms). */
const CURSOR_KEY = 'reseal_after_seq'
const DONE_KEY = 'reseal_done_at_ms'

/** What one batch did: rows re-sealed, rows that did not open, and rows still under a master key after it. */
export interface ResealBatch {
  resealed: number
  unreadable: number
  remaining: number
}

/**
 * Re-seals up to `limit` of the oldest rows still under a master key with the chat's data key, in
 * one transaction, inside the room's exclusive section (ordered with the group commit; sends go on
 * between batches, so there is no downtime). Rows under a version no longer in MESSAGE_KEYS are
 * not selected (they cannot be opened); rows that do not open are left and counted.
 */
export function resealBatch(room: Room, limit: number): Promise<ResealBatch> {
  return room.exclusive(async () => {
    const rows = listSealedUnder(room.db, masterVersions(room), limit)
    const { resealed, unreadable } = await resealRows(room, rows, () => {})
    return { resealed, unreadable, remaining: countSealedUnderMaster(room.ctx.storage.sql) }
  })
}

/** True until the room's own walk has visited every row (a room with none is done when it first opens). */
export function isResealPending(db: LogDb): boolean {
  return findMeta(db, DONE_KEY) === null
}

/**
 * Called each time the room opens (the instance started: a wake). If rows under a master key are
 * left past the walk's cursor, books the alarm for `RESEAL_AFTER_WAKE_MS` from `nowMs` (or keeps an
 * earlier one); if none are, records the walk done, so later wakes cost one `room_meta` read. Rows
 * can only be added under a master key by code older than this walk, so done stays done.
 */
export async function resealAfterWake(room: Room, nowMs: number): Promise<void> {
  if (!isResealPending(room.db)) return
  if (listSealedUnder(room.db, masterVersions(room), 1, findMeta(room.db, CURSOR_KEY) ?? 0).length === 0) {
    recordMeta(room.db, DONE_KEY, nowMs)
    return
  }
  await expireNoLaterThan(room.ctx, nowMs + RESEAL_AFTER_WAKE_MS)
}

/**
 * The alarm's reseal duty (the alarm also closes expired sockets, `admission.ts`): one batch of
 * `AUTO_RESEAL_ROWS` from the cursor, then the alarm again after `RESEAL_PAUSE_MS` if rows are
 * left. It shares the one alarm by only ever moving it earlier. A failure (D1 down while the room
 * opens, the chat's key already destroyed) is logged and not retried by the alarm: the next wake
 * books the walk again from its cursor.
 */
export async function resealOnAlarm(openRoom: () => Promise<Room>): Promise<void> {
  try {
    const room = await openRoom()
    await resealNextBatch(room, AUTO_RESEAL_ROWS)
    if (isResealPending(room.db)) await expireNoLaterThan(room.ctx, Date.now() + RESEAL_PAUSE_MS)
  } catch (err) {
    log.warn('auto_reseal_failed', errorFields(err))
  }
}

/**
 * Finishes the room's walk now, batch after batch (group deletion calls it before destroying the
 * data key, so that no row is left that the destroyed key does not cover). Returns how many rows it
 * re-sealed; rows that do not open with any key the room holds stay as they are.
 */
export async function resealAll(room: Room): Promise<number> {
  let total = 0
  // Each batch moves the cursor past the rows it listed, or ends the walk.
  while (isResealPending(room.db)) total += await resealNextBatch(room, AUTO_RESEAL_ROWS)
  return total
}

/** One batch of the walk from its cursor, which moves in the same transaction as the rows; returns the rows re-sealed. */
function resealNextBatch(room: Room, limit: number): Promise<number> {
  return room.exclusive(async () => {
    if (!isResealPending(room.db)) return 0
    const rows = listSealedUnder(room.db, masterVersions(room), limit, findMeta(room.db, CURSOR_KEY) ?? 0)
    const { resealed } = await resealRows(room, rows, () => {
      if (rows.length < limit) recordMeta(room.db, DONE_KEY, Date.now())
      else recordMeta(room.db, CURSOR_KEY, rows[rows.length - 1]!.seq)
    })
    return resealed
  })
}

/**
 * Re-seals `rows` and writes them in one transaction with `record` (the walk's cursor), each only if
 * the row still holds the IV it was read with (an edit in between wins). Call inside `room.exclusive`.
 */
async function resealRows(room: Room, rows: StoredMessage[], record: () => void): Promise<{ resealed: number; unreadable: number }> {
  const sealed = await Promise.all(rows.map((m) => resealMessage(room, m)))
  let resealed = 0
  room.ctx.storage.transactionSync(() => {
    sealed.forEach((m, i) => {
      const previousIv = rows[i]!.iv
      if (m && previousIv && replaceSealing(room.ctx.storage.sql, m, previousIv)) resealed += 1
    })
    record()
  })
  const unreadable = sealed.filter((m) => m === null).length
  if (unreadable > 0) log.warn('reseal_undecryptable', { chat_id: room.chatId, rows: unreadable })
  return { resealed, unreadable }
}

function masterVersions(room: Room): number[] {
  return [...room.keyring.keys.keys()].filter((version) => version !== DATA_KEY_VERSION)
}
