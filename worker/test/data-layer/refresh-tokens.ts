import { and, eq, isNull } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { REFRESH_TOKEN_TTL_SECONDS } from '../../../protocol/http'
import { findSessionOfToken, REPLACED_TOKEN_GRACE_SECONDS, revokeSession, rotateRefreshToken } from '../../auth/refresh-tokens'
import type { Db } from '../../db/client'
import { refreshTokens, sessions } from '../../db/schema'
import { codeOf, newUser, type OpenDb } from './fixtures'

const GRACE_MS = REPLACED_TOKEN_GRACE_SECONDS * 1000
const TTL_MS = REFRESH_TOKEN_TTL_SECONDS * 1000
const T0 = Date.UTC(2026, 0, 1)

const isRevoked = async (db: Db, sessionId: string) =>
  (await db.select().from(sessions).where(eq(sessions.id, sessionId)).get())!.revokedAtMs !== null

/** Tokens of the family that can still be exchanged normally: a family keeps exactly one. */
const currentTokens = (db: Db, sessionId: string) =>
  db
    .select({ id: refreshTokens.id })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.replacedBy), isNull(refreshTokens.revokedAtMs)))
    .all()

export function refreshTokensSuite(openDb: OpenDb) {
  async function login() {
    const db = openDb()
    const user = await newUser(db, 'rt', T0)
    return { db, user, first: { token: user.refreshToken, sessionId: user.sessionId } }
  }

  describe('rotateRefreshToken', () => {
    it('exchanges the current token for a new one of the same login', async () => {
      const { db, user, first } = await login()
      const second = await rotateRefreshToken(db, first.token, 'next', T0 + 1000)
      expect(second).toMatchObject({ sessionId: first.sessionId, userId: user.id, expiresAtMs: T0 + 1000 + TTL_MS })
      expect(second.token).not.toBe(first.token)
      await expect(rotateRefreshToken(db, second.token, undefined, T0 + 2000)).resolves.toMatchObject({ sessionId: first.sessionId })
      expect(await currentTokens(db, first.sessionId)).toHaveLength(1)
    })

    // Each presents a token derived from a valid one; none may be exchanged or change anything.
    const FORGED: [string, (token: string) => string][] = [
      ['an empty string', () => ''],
      ['garbage', () => 'not-a-token'],
      ['the right id with a wrong secret', (t) => `${t.split('.')[0]}.${'A'.repeat(43)}`],
      ['an unknown id with the right secret', (t) => `${'A'.repeat(22)}.${t.split('.')[1]}`],
      ['a JWT-shaped value', (t) => `${t}.x`],
      ['the token with a trailing space', (t) => `${t} `],
    ]

    it.each(FORGED)('answers invalid_token for %s and keeps the login', async (_, forge) => {
      const { db, first } = await login()
      expect(await codeOf(rotateRefreshToken(db, forge(first.token), undefined, T0))).toBe('invalid_token')
      expect(await isRevoked(db, first.sessionId)).toBe(false)
      await expect(rotateRefreshToken(db, first.token, undefined, T0)).resolves.toMatchObject({ sessionId: first.sessionId })
    })

    it('answers token_expired once the token has expired', async () => {
      const { db, first } = await login()
      expect(await codeOf(rotateRefreshToken(db, first.token, undefined, T0 + TTL_MS))).toBe('token_expired')
    })

    it('revokes the whole family when a rotated token is reused', async () => {
      const { db, first } = await login()
      const second = await rotateRefreshToken(db, first.token, undefined, T0)
      const third = await rotateRefreshToken(db, second.token, undefined, T0 + 1000)
      expect(await codeOf(rotateRefreshToken(db, first.token, undefined, T0 + 2000))).toBe('invalid_token')
      expect(await isRevoked(db, first.sessionId)).toBe(true)
      expect(await currentTokens(db, first.sessionId)).toHaveLength(0)
      expect(await codeOf(rotateRefreshToken(db, third.token, undefined, T0 + 3000))).toBe('invalid_token')
    })

    it('refuses every token of a revoked login', async () => {
      const { db, first } = await login()
      const second = await rotateRefreshToken(db, first.token, undefined, T0)
      await revokeSession(db, first.sessionId, T0 + 1000)
      expect(await codeOf(rotateRefreshToken(db, second.token, undefined, T0 + 2000))).toBe('invalid_token')
      expect(await codeOf(rotateRefreshToken(db, first.token, undefined, T0 + 2000))).toBe('invalid_token')
    })

    it('lets two concurrent exchanges of one token both succeed, leaving one current token', async () => {
      const { db, first } = await login()
      const results = await Promise.all([
        rotateRefreshToken(db, first.token, 'tab 1', T0 + 1000),
        rotateRefreshToken(db, first.token, 'tab 2', T0 + 1000),
        rotateRefreshToken(db, first.token, 'tab 3', T0 + 1000),
      ])
      expect(results.map((r) => r.sessionId)).toEqual([first.sessionId, first.sessionId, first.sessionId])
      expect(new Set(results.map((r) => r.token)).size).toBe(3)
      expect(await isRevoked(db, first.sessionId)).toBe(false)
      const current = await currentTokens(db, first.sessionId)
      expect(current).toHaveLength(1)
      const winner = results.find((r) => r.token.startsWith(`${current[0]!.id}.`))
      await expect(rotateRefreshToken(db, winner!.token, undefined, T0 + 2000)).resolves.toMatchObject({ sessionId: first.sessionId })
    })

    it('exchanges the replaced token 1 ms before the window closes and keeps the login', async () => {
      const { db, first } = await login()
      await rotateRefreshToken(db, first.token, undefined, T0)
      const again = await rotateRefreshToken(db, first.token, undefined, T0 + GRACE_MS - 1)
      expect(again.sessionId).toBe(first.sessionId)
      await expect(rotateRefreshToken(db, again.token, undefined, T0 + GRACE_MS)).resolves.toMatchObject({ sessionId: first.sessionId })
      expect(await isRevoked(db, first.sessionId)).toBe(false)
    })

    it('revokes the login when the replaced token comes back as the window closes', async () => {
      const { db, first } = await login()
      const lost = await rotateRefreshToken(db, first.token, undefined, T0)
      expect(await codeOf(rotateRefreshToken(db, first.token, undefined, T0 + GRACE_MS))).toBe('invalid_token')
      expect(await isRevoked(db, first.sessionId)).toBe(true)
      expect(await codeOf(rotateRefreshToken(db, lost.token, undefined, T0 + GRACE_MS))).toBe('invalid_token')
    })

    it('retires the unused successor of a grace exchange', async () => {
      const { db, first } = await login()
      const lost = await rotateRefreshToken(db, first.token, undefined, T0)
      const again = await rotateRefreshToken(db, first.token, undefined, T0 + 1000)
      expect(await codeOf(rotateRefreshToken(db, lost.token, undefined, T0 + 2000))).toBe('invalid_token')
      expect(await isRevoked(db, first.sessionId)).toBe(true)
      expect(await codeOf(rotateRefreshToken(db, again.token, undefined, T0 + 2000))).toBe('invalid_token')
    })

    it('counts the window from the newest successor, so lost answers in a row each get a full window', async () => {
      const { db, first } = await login()
      await rotateRefreshToken(db, first.token, undefined, T0)
      await rotateRefreshToken(db, first.token, undefined, T0 + GRACE_MS - 1000)
      const third = await rotateRefreshToken(db, first.token, undefined, T0 + 2 * GRACE_MS - 2000)
      await expect(rotateRefreshToken(db, third.token, undefined, T0 + 2 * GRACE_MS)).resolves.toMatchObject({ sessionId: first.sessionId })
    })

    it('extends the family to seven days from the grace exchange', async () => {
      const { db, first } = await login()
      await rotateRefreshToken(db, first.token, undefined, T0)
      const again = await rotateRefreshToken(db, first.token, 'reloaded', T0 + 30_000)
      expect(again.expiresAtMs).toBe(T0 + 30_000 + TTL_MS)
      const row = (await db.select().from(sessions).where(eq(sessions.id, first.sessionId)).get())!
      expect(row).toMatchObject({ lastUsedAtMs: T0 + 30_000, expiresAtMs: again.expiresAtMs, userAgent: 'reloaded' })
    })
  })

  describe('findSessionOfToken', () => {
    it('finds the login of a token whose secret checks out, and nothing for a forged one', async () => {
      const { db, user, first } = await login()
      await expect(findSessionOfToken(db, first.token)).resolves.toEqual({ sessionId: first.sessionId, userId: user.id })
      await expect(findSessionOfToken(db, `${first.token.split('.')[0]}.${'A'.repeat(43)}`)).resolves.toBeNull()
    })
  })
}
