import { CLOSE_CODES } from '../../../protocol/socket'
import { recordRevokedSessions } from '../../auth/revoked-sessions'
import { memberTag } from '../member'
import { closeNow } from './fan-out'
import { socketEntry } from './sockets'

/**
 * Sessions of `userId` were revoked (worker/auth/revocation.ts): they are recorded until `untilMs`
 * (epoch ms), so `acceptSocket` and `onAuth` refuse their tokens, and the user's sockets of those
 * sessions close at once with 4006 `sessionRevoked` (no frame in flight is answered first: as with a
 * removal, a revoked device must not see one more message). A socket whose attachment names no
 * session (accepted before sessions were recorded) is closed too: it cannot be told apart, and a live
 * session reconnects after one refresh. One synchronous step, so an upgrade is either refused or
 * closed. Idempotent. Returns how many sockets were closed.
 */
export function closeSessions(ctx: DurableObjectState, userId: number, sessionIds: readonly string[], untilMs: number, nowMs: number): number {
  recordRevokedSessions(ctx.storage.kv, sessionIds, untilMs, nowMs)
  const revoked = new Set(sessionIds)
  let closed = 0
  for (const ws of ctx.getWebSockets(memberTag(userId))) {
    const socket = socketEntry(ctx, ws, nowMs)
    const sessionId = socket?.member.sessionId
    if (sessionId !== undefined && !revoked.has(sessionId)) continue
    closeNow(ws, socket, CLOSE_CODES.sessionRevoked, 'This session was signed out.')
    closed++
  }
  return closed
}
