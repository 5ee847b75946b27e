import { recentRevocations } from '../../auth/revocation'
import { recordRevokedSessions } from '../../auth/revoked-sessions'
import { dbForEnv } from '../../db/for-env'
import type { Env } from '../../env'
import { loadRoster } from '../roster'
import { listMembers, recordMembersSynced } from './log/store'
import { recordReceiptsOff } from './receipts'
import type { Room } from './room'

// The room as the authority for its member set (issue #16): a socket upgrade asks only the room.
// Rooms created before it, and new chats (their first members are written to D1 without a room
// call), copy the set from D1 once, with the sessions of those members revoked lately; from then on
// `admit` and `removeMember` keep the set, and revocations reach the room as they happen.

/**
 * Makes sure `room.members` is loaded, copying it (and who has read receipts off, and the members'
 * sessions revoked lately) from D1 the first time: two D1 queries at once, once per room. False when
 * the chat does not exist (nothing is recorded then, so
 * a chat created later under that id is copied when it is first used). Users marked removed are left
 * out: `removeMember` runs before the D1 delete, so D1 can still list them. The copy is applied in
 * the exclusive section and keeps members added meanwhile (`admit` before the D1 insert).
 */
export function ensureMembers(room: Room, env: Env): Promise<boolean> {
  if (room.members) return Promise.resolve(true)
  if (!room.syncing) {
    const syncing = copyFromD1(room, env)
    room.syncing = syncing
    void syncing.finally(() => {
      if (room.syncing === syncing) room.syncing = undefined
    }).catch(() => {})
  }
  return room.syncing
}

async function copyFromD1(room: Room, env: Env): Promise<boolean> {
  const db = await dbForEnv(env)
  // A new chat's members may have signed a session out lately, before the chat existed: no
  // revocation told this room, so their tokens are refused from the copy on. Read together with the
  // roster: the members copied were written to D1 before this room opened, so a revocation this read
  // misses lists their chats after it and tells the room itself (worker/auth/revocation.ts).
  const nowMs = Date.now()
  const [roster, revocations] = await Promise.all([loadRoster(db, room.chatId), recentRevocations(db, { chatId: room.chatId }, nowMs)])
  if (!roster) return false
  return room.exclusive(async () => {
    if (room.members) return true
    recordMembersSynced(room.db, roster.members.filter((userId) => !room.removed.has(userId)))
    recordReceiptsOff(room.ctx, roster.receiptsOff)
    for (const { sessionIds, untilMs } of revocations) recordRevokedSessions(room.ctx.storage.kv, sessionIds, untilMs, nowMs)
    room.members = new Set(listMembers(room.db))
    return true
  })
}
