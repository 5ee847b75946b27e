import { describe, expect, it } from 'vitest'
import { ACCESS_TOKEN_TTL_SECONDS } from '../../protocol/http'
import { AppError } from '../errors'
import { CLOCK_TOLERANCE_SECONDS, issueAccessToken, verifyAccessToken } from './access-tokens'

const newKey = () => crypto.getRandomValues(new Uint8Array(32))
const user = { id: 7, username: 'grace' }
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0)
const EXPIRES_MS = T0 + ACCESS_TOKEN_TTL_SECONDS * 1000

async function outcome(key: Uint8Array, token: string, nowMs: number): Promise<string> {
  try {
    const verified = await verifyAccessToken(key, token, nowMs)
    return `ok ${verified.id}`
  } catch (err) {
    return err instanceof AppError ? err.code : 'thrown'
  }
}

// Tokens verified once are kept in memory (access-tokens.ts): a kept token must answer exactly as a
// fresh verification would, at every time and under every key.
describe('verifyAccessToken, verified tokens kept in memory', () => {
  it.each([
    ['the first use', T0, 'ok 7'],
    ['a later use within its lifetime', T0 + 60_000, 'ok 7'],
    ['just before exp + tolerance', EXPIRES_MS + CLOCK_TOLERANCE_SECONDS * 1000 - 1000, 'ok 7'],
    ['at exp + tolerance', EXPIRES_MS + CLOCK_TOLERANCE_SECONDS * 1000, 'token_expired'],
    ['an hour later', EXPIRES_MS + 3_600_000, 'token_expired'],
  ])('answers %s the same whether the token was verified before or not', async (_name, nowMs, expected) => {
    const key = newKey()
    const { token } = await issueAccessToken(key, user, 'session-a', T0)
    // Fresh: nothing kept for this key yet.
    expect(await outcome(key, token, nowMs)).toBe(expected)
    const warmKey = newKey()
    const warm = (await issueAccessToken(warmKey, user, 'session-a', T0)).token
    // Kept: verified once at T0, then asked at nowMs.
    expect(await outcome(warmKey, warm, T0)).toBe('ok 7')
    expect(await outcome(warmKey, warm, nowMs)).toBe(expected)
  })

  it('refuses a token kept under its own secret when another secret is asked (a rotated JWT_SECRET)', async () => {
    const [oldKey, newSecret] = [newKey(), newKey()]
    const { token } = await issueAccessToken(oldKey, user, 'session-b', T0)
    expect(await outcome(oldKey, token, T0)).toBe('ok 7')
    expect(await outcome(newSecret, token, T0)).toBe('invalid_token')
  })

  it('gives every caller its own copy of the claims', async () => {
    const key = newKey()
    const { token } = await issueAccessToken(key, user, 'session-c', T0)
    const first = await verifyAccessToken(key, token, T0)
    first.id = 999
    first.sessionId = 'forged'
    expect(await verifyAccessToken(key, token, T0)).toEqual({ id: 7, username: 'grace', sessionId: 'session-c', expiresAt: EXPIRES_MS / 1000 })
  })

  it('keeps nothing of a token that failed: a tampered copy of a kept token is refused', async () => {
    const key = newKey()
    const { token } = await issueAccessToken(key, user, 'session-d', T0)
    expect(await outcome(key, token, T0)).toBe('ok 7')
    const [header, , signature] = token.split('.')
    const forged = btoa(JSON.stringify({ type: 'access', sub: '1', name: 'root', sid: 'session-d', iss: 'edge-chat', aud: 'edge-chat-api', iat: T0 / 1000, exp: EXPIRES_MS / 1000 }))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
    expect(await outcome(key, `${header}.${forged}.${signature}`, T0)).toBe('invalid_token')
    expect(await outcome(key, `${token}x`, T0)).toBe('invalid_token')
  })
})
