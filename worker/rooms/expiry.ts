import { CLOSE_CODES } from '../../protocol/socket'
import { closeSocket } from './fan-out'
import { readMember } from './member'

/**
 * Keeps one alarm at or before the earliest token expiry among open sockets. The alarm only has to
 * be early, never late: when it fires it closes what has expired and sets itself for the next one.
 */
export async function scheduleExpiry(ctx: DurableObjectState): Promise<void> {
  let earliestMs = Infinity
  for (const ws of ctx.getWebSockets()) {
    const member = readMember(ws)
    if (member && ws.readyState === WebSocket.OPEN) earliestMs = Math.min(earliestMs, member.tokenExpiresAtMs)
  }
  if (earliestMs < Infinity) await expireNoLaterThan(ctx, earliestMs)
}

/**
 * For one socket that was accepted or renewed: every other open socket's expiry is already covered
 * by the current alarm, so comparing with it suffices. Scanning every socket here made each upgrade
 * O(open sockets) and filling a room O(n²).
 */
export async function expireNoLaterThan(ctx: DurableObjectState, expiresAtMs: number): Promise<void> {
  const current = await ctx.storage.getAlarm()
  if (current === null || expiresAtMs < current) await ctx.storage.setAlarm(expiresAtMs)
}

/** Closes every socket whose token has expired with 4001 (the client refreshes and reconnects with `since`). */
export async function closeExpired(ctx: DurableObjectState, nowMs: number): Promise<number> {
  let closed = 0
  for (const ws of ctx.getWebSockets()) {
    const member = readMember(ws)
    if (member && member.tokenExpiresAtMs <= nowMs) {
      closeSocket(ws, CLOSE_CODES.tokenExpired, 'The access token expired.')
      closed++
    }
  }
  await scheduleExpiry(ctx)
  return closed
}
