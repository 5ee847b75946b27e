import { and, desc, eq, gt, isNull, ne } from 'drizzle-orm'
import type { SessionBody } from '../../protocol/http'
import type { Db } from '../db/client'
import { refreshTokens, sessions } from '../db/schema'
import { AppError } from '../errors'
import { revokeSession } from './refresh-tokens'

const iso = (ms: number) => new Date(ms).toISOString()

/** The user's logins that can still refresh, most recently used first. */
export async function listSessions(db: Db, userId: number, currentSessionId: string, nowMs = Date.now()): Promise<SessionBody[]> {
  const rows = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAtMs), gt(sessions.expiresAtMs, nowMs)))
    .orderBy(desc(sessions.lastUsedAtMs))
    .all()
  return rows.map((s) => ({
    id: s.id,
    created_at: iso(s.createdAtMs),
    last_used_at: iso(s.lastUsedAtMs),
    expires_at: iso(s.expiresAtMs),
    user_agent: s.userAgent,
    current: s.id === currentSessionId,
  }))
}

/** Revokes one of the user's own sessions; someone else's id is answered like a missing one. The caller closes its sockets (`revokeSockets`). */
export async function revokeUserSession(db: Db, userId: number, sessionId: string): Promise<void> {
  const row = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAtMs)))
    .get()
  if (!row) throw new AppError('not_found', 'No active session with this id.')
  await revokeSession(db, row.id)
}

/** "Sign out everywhere": every session and refresh token of the user, in one transaction. Resolves with the ids of the sessions revoked. */
export async function revokeAllSessions(db: Db, userId: number, nowMs = Date.now()): Promise<string[]> {
  const [revoked] = await db.batch(revokeSessionsStatements(db, userId, nowMs))
  return revoked.map((s) => s.id)
}

/**
 * The two statements that revoke every live session of `userId` and its refresh tokens, for a batch
 * (one transaction); `keepSessionId` names one to leave alone (a password change keeps the caller's).
 * The first statement resolves with the ids of the sessions revoked (their sockets are the caller's to close).
 */
export function revokeSessionsStatements(db: Db, userId: number, nowMs: number, keepSessionId: string | null = null) {
  return [
    db
      .update(sessions)
      .set({ revokedAtMs: nowMs })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAtMs), keepSessionId === null ? undefined : ne(sessions.id, keepSessionId)))
      .returning({ id: sessions.id }),
    db
      .update(refreshTokens)
      .set({ revokedAtMs: nowMs })
      .where(
        and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAtMs), keepSessionId === null ? undefined : ne(refreshTokens.sessionId, keepSessionId)),
      ),
  ] as const
}
