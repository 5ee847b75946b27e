import { and, eq, exists, getTableColumns, isNull, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import { REFRESH_TOKEN_TTL_SECONDS } from '../../protocol/http'
import { timingSafeEqualStrings } from '../crypto/equal'
import { sha256Hex } from '../crypto/hash'
import { randomToken } from '../crypto/random'
import { changedRows, type Db } from '../db/client'
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
/**
 * A refresh token presented again after its successor was used: the login (session `sessionId` of
 * `userId`) was revoked in D1 by {@link rotateRefreshToken}; the caller closes its sockets
 * (`revokeSockets`). Answered as invalid_token (401).
 */
export class RefreshTokenReused extends AppError {
  constructor(
    readonly userId: number,
    readonly sessionId: string,
  ) {
    super('invalid_token', 'This refresh token was already used; the login has been ended. Sign in again.')
  }
}

/**
 * How long a replaced token may be presented once more, counted from its successor's issue, if that
 * successor was never presented. A `/refresh/` answer lost to a reload, a closed tab or a dropped
 * connection leaves the browser holding the replaced token (issue #9); a minute covers a reload or a
 * reconnect, and keeps short the time in which a stolen replaced token could still be exchanged.
 */
export const REPLACED_TOKEN_GRACE_SECONDS = 60
const GRACE_MS = REPLACED_TOKEN_GRACE_SECONDS * 1000

/**
 * An exchange that loses a race re-reads the family and decides again (the winner changed what the
 * token may do). This many losses in a row is a storm of presentations of one token: invalid_token,
 * with nothing written.
 */
const MAX_EXCHANGE_ATTEMPTS = 8

type TokenRow = typeof refreshTokens.$inferSelect
type SessionRow = typeof sessions.$inferSelect

/** A presented token as read: its row, its family and the token that replaced it (null if none). */
export interface PresentedToken {
  token: TokenRow
  session: SessionRow
  successor: TokenRow | null
}

/** What presenting a token may do; see {@link judgePresentation}. */
export type Verdict = 'refuse' | 'expired' | 'rotate' | 'grace' | 'reuse'

const isCurrent = (t: TokenRow) => t.replacedBy === null && t.revokedAtMs === null

/**
 * Decides what presenting `found` at `nowMs` (epoch ms) does. A family has one current token (not
 * replaced, not revoked); the others were replaced by an exchange or retired by a grace exchange.
 * - `refuse`: the family was revoked (logout, session revoked, reuse): 401, nothing changes.
 * - `expired`: the token or its family expired: 401 token_expired, nothing changes.
 * - `rotate`: the current token: exchanged for a new one.
 * - `grace`: the token the current one replaced, that current one never presented and issued less than
 *   REPLACED_TOKEN_GRACE_SECONDS ago (a lost answer, or a second tab's concurrent refresh): exchanged
 *   for a new one, and the unused successor is retired.
 * - `reuse`: any other token of a live family (replaced and its successor used, replaced before the
 *   window, or retired): two parties hold tokens of this login, so it is revoked (RFC 9700 §4.14.2).
 */
export function judgePresentation({ token, session, successor }: PresentedToken, nowMs: number): Verdict {
  if (session.revokedAtMs !== null) return 'refuse'
  const hasExpired = token.expiresAtMs <= nowMs || session.expiresAtMs <= nowMs
  if (isCurrent(token)) return hasExpired ? 'expired' : 'rotate'
  const isGrace =
    token.revokedAtMs === null && successor !== null && isCurrent(successor) && nowMs < successor.createdAtMs + GRACE_MS
  if (!isGrace) return 'reuse'
  return hasExpired ? 'expired' : 'grace'
}

/** Finds the row a presented token names and checks its secret; throws invalid_token otherwise. */
async function findPresentedToken(db: Db, presented: string): Promise<PresentedToken> {
  const parsed = parseRefreshToken(presented)
  if (!parsed) throw invalid()
  const successor = alias(refreshTokens, 'successor')
  const row = await db
    .select({ token: refreshTokens, session: sessions, successor })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .leftJoin(successor, eq(successor.id, refreshTokens.replacedBy))
    .where(eq(refreshTokens.id, parsed.id))
    .get()
  if (!row || !timingSafeEqualStrings(await sha256Hex(parsed.secret), row.token.secretHash)) throw invalid()
  return row
}

/**
 * Exchanges a refresh token for a new one (rotation), by the rule of {@link judgePresentation}:
 * resolves with the new token, or throws invalid_token (refused; reuse: {@link RefreshTokenReused}, the login is then revoked) or
 * token_expired. `nowMs` is epoch ms. Two concurrent exchanges of one token are decided by the
 * conditional writes of {@link exchange}: the loser decides again from what the winner wrote, so it
 * is treated like a lost answer (both succeed, the later token is the current one).
 */
export async function rotateRefreshToken(
  db: Db,
  presented: string,
  userAgent: string | undefined,
  nowMs = Date.now(),
): Promise<IssuedRefreshToken & { userId: number }> {
  for (let attempt = 0; attempt < MAX_EXCHANGE_ATTEMPTS; attempt++) {
    const found = await findPresentedToken(db, presented)
    const verdict = judgePresentation(found, nowMs)
    if (verdict === 'refuse') throw invalid()
    if (verdict === 'expired') throw new AppError('token_expired', 'The login has expired; sign in again.')
    if (verdict === 'reuse') {
      await revokeSession(db, found.session.id, nowMs)
      throw new RefreshTokenReused(found.token.userId, found.session.id)
    }
    const issued = await exchange(db, found, verdict === 'grace' ? found.successor!.id : null, userAgent, nowMs)
    if (issued) return { ...issued, userId: found.token.userId }
  }
  throw invalid()
}

/**
 * One batch (a transaction, on D1 and libSQL alike): point the presented token at a new one, provided it still points at
 * `successorId` (null: not replaced) and that successor is still unused; then, only if that claim won,
 * retire every other current token of the family (the unused successor), insert the new token and
 * extend the session. A lost claim writes nothing and resolves null.
 */
async function exchange(
  db: Db,
  { token: old, session }: PresentedToken,
  successorId: string | null,
  userAgent: string | undefined,
  nowMs: number,
): Promise<IssuedRefreshToken | null> {
  const { row, token } = await newTokenRow(session.id, old.userId, nowMs)
  const successor = alias(refreshTokens, 'successor')
  const exchanged = alias(refreshTokens, 'exchanged')
  const claimable =
    successorId === null
      ? isNull(refreshTokens.replacedBy)
      : and(
          eq(refreshTokens.replacedBy, successorId),
          exists(
            db
              .select({ id: successor.id })
              .from(successor)
              .where(and(eq(successor.id, successorId), isNull(successor.replacedBy), isNull(successor.revokedAtMs))),
          ),
        )
  const claimWon = exists(
    db.select({ id: exchanged.id }).from(exchanged).where(and(eq(exchanged.id, old.id), eq(exchanged.replacedBy, row.id))),
  )
  // INSERT ... SELECT <values> WHERE <claim won>: drizzle lists every column, in table order.
  const inserted: TokenRow = { ...row, revokedAtMs: null, replacedBy: null }
  const columns = Object.keys(getTableColumns(refreshTokens)) as (keyof TokenRow)[]
  const values = sql.join(
    columns.map((key) => sql`${inserted[key]}`),
    sql`, `,
  )
  const [claim] = await db.batch([
    db
      .update(refreshTokens)
      .set({ replacedBy: row.id })
      .where(and(eq(refreshTokens.id, old.id), isNull(refreshTokens.revokedAtMs), claimable)),
    // A family keeps one current token: after a grace exchange that retires the unused successor.
    db
      .update(refreshTokens)
      .set({ revokedAtMs: nowMs })
      .where(
        and(eq(refreshTokens.sessionId, session.id), isNull(refreshTokens.replacedBy), isNull(refreshTokens.revokedAtMs), claimWon),
      ),
    db.insert(refreshTokens).select(sql`select ${values} where ${claimWon}`),
    db
      .update(sessions)
      .set({ lastUsedAtMs: nowMs, expiresAtMs: row.expiresAtMs, userAgent: userAgent?.slice(0, USER_AGENT_MAX) ?? session.userAgent })
      .where(and(eq(sessions.id, session.id), claimWon)),
  ])
  return changedRows(claim) === 1 ? { token, sessionId: session.id, expiresAtMs: row.expiresAtMs } : null
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
