import { and, eq, isNull } from 'drizzle-orm'
import { REFRESH_TOKEN_TTL_SECONDS } from '../../protocol/http'
import { timingSafeEqualStrings } from '../crypto/equal'
import { sha256Hex } from '../crypto/hash'
import { randomToken } from '../crypto/random'
import type { Db } from '../db/client'
import { refreshTokens, sessions } from '../db/schema'
import { AppError } from '../errors'

const REFRESH_TTL_MS = REFRESH_TOKEN_TTL_SECONDS * 1000
const USER_AGENT_MAX = 256

/**
 * A refresh token is "<id>.<secret>": the id finds the row, the secret is checked against its stored
 * SHA-256 in constant time (Lucia's split-token design). Only the hash is stored, so a leaked
 * database cannot be replayed as cookies. It has no dots in common with a JWT (which has two), so an
 * access token presented here is refused before any lookup, and this token is not a JWT at all.
 */
export interface IssuedRefreshToken {
  token: string
  sessionId: string
  expiresAtMs: number
}

interface ParsedToken {
  id: string
  secret: string
}

function parseRefreshToken(token: string): ParsedToken | null {
  const match = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(token)
  return match ? { id: match[1]!, secret: match[2]! } : null
}

async function newTokenRow(sessionId: string, userId: number, nowMs: number) {
  const id = randomToken(16)
  const secret = randomToken(32)
  const row = {
    id,
    sessionId,
    userId,
    secretHash: await sha256Hex(secret),
    createdAtMs: nowMs,
    expiresAtMs: nowMs + REFRESH_TTL_MS,
  }
  return { row, token: `${id}.${secret}` }
}

/** Starts a login: a session (token family) and its first refresh token. */
export async function createSession(
  db: Db,
  userId: number,
  userAgent: string | undefined,
  nowMs = Date.now(),
): Promise<IssuedRefreshToken> {
  const sessionId = randomToken(16)
  const { row, token } = await newTokenRow(sessionId, userId, nowMs)
  await db.batch([
    db.insert(sessions).values({
      id: sessionId,
      userId,
      createdAtMs: nowMs,
      lastUsedAtMs: nowMs,
      expiresAtMs: row.expiresAtMs,
      userAgent: userAgent?.slice(0, USER_AGENT_MAX) ?? null,
    }),
    db.insert(refreshTokens).values(row),
  ])
  return { token, sessionId, expiresAtMs: row.expiresAtMs }
}

export async function revokeSession(db: Db, sessionId: string, nowMs = Date.now()): Promise<void> {
  await db.batch([
    db
      .update(sessions)
      .set({ revokedAtMs: nowMs })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAtMs))),
    db
      .update(refreshTokens)
      .set({ revokedAtMs: nowMs })
      .where(and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.revokedAtMs))),
  ])
}

const invalid = () => new AppError('invalid_token', 'The refresh token is not valid; sign in again.')

/** Finds the row a presented token names and checks its secret; throws invalid_token otherwise. */
async function findPresentedToken(db: Db, token: string) {
  const parsed = parseRefreshToken(token)
  if (!parsed) throw invalid()
  const row = await db
    .select({ token: refreshTokens, session: sessions })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.id, parsed.id))
    .get()
  if (!row || !timingSafeEqualStrings(await sha256Hex(parsed.secret), row.token.secretHash)) throw invalid()
  return row
}

/**
 * Exchanges a refresh token for a new one (rotation). A token that was already exchanged means two
 * parties hold it, one of them not the user: the whole family is revoked (RFC 9700 §4.14.2). The
 * conditional UPDATE makes two concurrent exchanges of one token count as reuse, never as two logins.
 */
export async function rotateRefreshToken(
  db: Db,
  presented: string,
  userAgent: string | undefined,
  nowMs = Date.now(),
): Promise<IssuedRefreshToken & { userId: number }> {
  const { token: old, session } = await findPresentedToken(db, presented)
  if (session.revokedAtMs !== null || old.revokedAtMs !== null) throw invalid()
  if (old.replacedBy !== null) {
    await revokeSession(db, session.id, nowMs)
    throw new AppError('invalid_token', 'This refresh token was already used; the login has been ended. Sign in again.')
  }
  if (old.expiresAtMs <= nowMs || session.expiresAtMs <= nowMs) {
    throw new AppError('token_expired', 'The login has expired; sign in again.')
  }

  const { row, token } = await newTokenRow(session.id, old.userId, nowMs)
  const [, replaced] = await db.batch([
    db.insert(refreshTokens).values(row),
    db
      .update(refreshTokens)
      .set({ replacedBy: row.id })
      .where(and(eq(refreshTokens.id, old.id), isNull(refreshTokens.replacedBy), isNull(refreshTokens.revokedAtMs))),
    db
      .update(sessions)
      .set({
        lastUsedAtMs: nowMs,
        expiresAtMs: row.expiresAtMs,
        userAgent: userAgent?.slice(0, USER_AGENT_MAX) ?? session.userAgent,
      })
      .where(eq(sessions.id, session.id)),
  ])
  if (replaced.meta.changes !== 1) {
    await revokeSession(db, session.id, nowMs)
    throw new AppError('invalid_token', 'This refresh token was already used; the login has been ended. Sign in again.')
  }
  return { token, sessionId: session.id, expiresAtMs: row.expiresAtMs, userId: old.userId }
}

/** The session a presented refresh token belongs to, if its secret checks out (used by logout). */
export async function findSessionOfToken(db: Db, presented: string): Promise<{ sessionId: string; userId: number } | null> {
  try {
    const { session } = await findPresentedToken(db, presented)
    return { sessionId: session.id, userId: session.userId }
  } catch {
    return null
  }
}
