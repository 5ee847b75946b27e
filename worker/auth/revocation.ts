import { and, eq, gt, inArray } from 'drizzle-orm'
import { ACCESS_TOKEN_TTL_SECONDS } from '../../protocol/http'
import type { Db } from '../db/client'
import { chatMembers, sessions, users } from '../db/schema'
import type { AuthUser, Env } from '../env'
import { AppError } from '../errors'
import { errorFields, log } from '../log'
import { withRetries } from '../retry'
import { CLOCK_TOLERANCE_SECONDS } from './access-tokens'

// Revocation that takes effect at once (issue #14): REST checks the token's session in D1 on every
// request; sockets never ask D1 (issue #16), so their rooms and hub are told when sessions end.

/**
 * How long rooms and hubs refuse a revoked session's id: the longest an access token issued just
 * before the revocation still verifies (its TTL plus the verifier's clock tolerance). No token of the
 * session can be issued afterwards, since its refresh tokens are revoked with it.
 */
export const REVOKED_SESSION_TTL_MS = (ACCESS_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS) * 1000

/**
 * For `requireUser`: resolves when the access token's session exists, is the token user's, is not
 * revoked, and the user is not deleted; else throws 401 `session_revoked`. One D1 read by primary
 * keys (sessions.id joined to users.id). The session's own expiry is not checked: the token's `exp`
 * is at most ACCESS_TOKEN_TTL_SECONDS after the session last refreshed.
 */
export async function requireLiveSession(db: Db, user: AuthUser): Promise<void> {
  const row = await db
    .select({ revokedAtMs: sessions.revokedAtMs, deletedAtMs: users.deletedAtMs })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, user.sessionId), eq(sessions.userId, user.id)))
    .get()
  if (!row || row.revokedAtMs !== null || row.deletedAtMs !== null) {
    throw new AppError('session_revoked', 'This session was signed out; sign in again.')
  }
}

/** Tries each room or hub call this many times before logging it as failed. */
const ATTEMPTS = 2

/**
 * After `sessionIds` of `userId` were revoked in D1 (sign-out, a session ended, a password change):
 * their hub and every room of their chats (from D1) close those sessions' sockets with 4006
 * `sessionRevoked` and refuse upgrades and `auth` frames carrying them for REVOKED_SESSION_TTL_MS
 * from `nowMs` (epoch ms). All calls are idempotent and run in parallel, like `closeDeletedAccount`;
 * one that keeps failing is logged (`revocation_failed`, ids only) and the tokens of that session
 * work on that room until they expire (docs/security.md).
 */
export async function revokeSockets(env: Env, db: Db, userId: number, sessionIds: readonly string[], nowMs = Date.now()): Promise<void> {
  if (sessionIds.length === 0) return
  const ids = [...sessionIds]
  const untilMs = nowMs + REVOKED_SESSION_TTL_MS
  const rows = await db.select({ chatId: chatMembers.chatId }).from(chatMembers).where(eq(chatMembers.userId, userId)).all()
  const calls = [
    { chatId: null, run: () => env.USER_HUB.getByName(String(userId)).closeSessions(ids, untilMs) },
    ...rows.map(({ chatId }) => ({ chatId, run: () => env.CHAT_ROOM.getByName(String(chatId)).closeSessions(userId, ids, untilMs) })),
  ]
  await Promise.all(
    calls.map(async ({ chatId, run }) => {
      const err = await withRetries(run, ATTEMPTS)
      if (err !== null) log.error('revocation_failed', { user_id: userId, chat_id: chatId, ...errorFields(err) })
    }),
  )
}

/** One user's sessions revoked lately, with when the room may forget them (epoch ms). */
export interface RecentRevocation {
  userId: number
  sessionIds: string[]
  /** The latest revocation's time plus REVOKED_SESSION_TTL_MS: no token of these verifies after it. */
  untilMs: number
}

/**
 * The sessions of one user (`{ userId }`) or of every member of a chat (`{ chatId }`) revoked after
 * `nowMs - REVOKED_SESSION_TTL_MS` (epoch ms), whose access tokens may still verify; one entry per
 * user, none for users without any. One D1 read (sessions by user, the `sessions_user_idx` index).
 */
export async function recentRevocations(db: Db, of: { userId: number } | { chatId: number }, nowMs: number): Promise<RecentRevocation[]> {
  const whose =
    'userId' in of
      ? eq(sessions.userId, of.userId)
      : inArray(sessions.userId, db.select({ userId: chatMembers.userId }).from(chatMembers).where(eq(chatMembers.chatId, of.chatId)))
  const rows = await db
    .select({ id: sessions.id, userId: sessions.userId, revokedAtMs: sessions.revokedAtMs })
    .from(sessions)
    .where(and(whose, gt(sessions.revokedAtMs, nowMs - REVOKED_SESSION_TTL_MS)))
    .all()
  const byUser = new Map<number, RecentRevocation>()
  for (const { id, userId, revokedAtMs } of rows) {
    const entry = byUser.get(userId) ?? { userId, sessionIds: [], untilMs: 0 }
    entry.sessionIds.push(id)
    entry.untilMs = Math.max(entry.untilMs, revokedAtMs! + REVOKED_SESSION_TTL_MS)
    byUser.set(userId, entry)
  }
  return [...byUser.values()]
}

/**
 * A membership of `userId` in `chatId` was just written to D1: the chat's room is told of the user's
 * sessions revoked lately (`closeSessions`, also on its shards). The room's `admit`, before the write,
 * recorded those revoked until then; this catches a revocation that landed between the two, which
 * `revokeSockets` may have missed too (it lists the user's chats from D1, and the membership was not
 * there yet). Whichever of the two D1 reads comes second finds the other's write (D1 answers reads
 * from the primary: the worker opens no read-replica session), so the room is told, though a socket
 * opened in between is only closed then, with 4006, as for any revocation. No call when there is
 * nothing to tell (the usual case). Never throws: the membership is written, so a call that keeps
 * failing is logged (`revocation_failed`) and the session's tokens work in that chat until they expire.
 */
export async function closeRevokedInNewChat(
  db: Db,
  rooms: { getByName(name: string): { closeSessions(userId: number, sessionIds: string[], untilMs: number): Promise<unknown> } },
  chatId: number,
  userId: number,
  nowMs: number,
): Promise<void> {
  const err = await withRetries(async () => {
    const [revoked] = await recentRevocations(db, { userId }, nowMs)
    if (revoked) await rooms.getByName(String(chatId)).closeSessions(userId, revoked.sessionIds, revoked.untilMs)
  }, ATTEMPTS)
  if (err !== null) log.error('revocation_failed', { user_id: userId, chat_id: chatId, ...errorFields(err) })
}
