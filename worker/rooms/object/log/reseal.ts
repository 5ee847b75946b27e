import { DATA_KEY_VERSION } from '../../../crypto/data-keys'
import { log } from '../../../log'
import type { Room } from '../room'
import { resealMessage } from './seal'
import { countSealedUnderMaster, listSealedUnder, replaceSealing } from './store'

// Rows stored before per-chat keys are sealed directly under a master version of MESSAGE_KEYS.
// They keep reading (the room keyring holds every master version) while this moves them, a bounded
// batch at a time, under the chat's data key; only then can an old master version be removed.

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
    const masterVersions = [...room.keyring.keys.keys()].filter((version) => version !== DATA_KEY_VERSION)
    const rows = listSealedUnder(room.db, masterVersions, limit)
    const resealed = await Promise.all(rows.map((m) => resealMessage(room, m)))
    let replaced = 0
    room.ctx.storage.transactionSync(() => {
      resealed.forEach((m, i) => {
        const previousIv = rows[i]!.iv
        if (m && previousIv && replaceSealing(room.ctx.storage.sql, m, previousIv)) replaced += 1
      })
    })
    const unreadable = resealed.filter((m) => m === null).length
    if (unreadable > 0) log.warn('reseal_undecryptable', { chat_id: room.chatId, rows: unreadable })
    return { resealed: replaced, unreadable, remaining: countSealedUnderMaster(room.ctx.storage.sql) }
  })
}
