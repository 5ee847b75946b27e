import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { d1Db } from '../db/client'
import { sessions } from '../db/schema'
import { uniqueName } from '../test/helpers'
import { registerUser } from './accounts'
import {
  createSession,
  judgePresentation,
  REPLACED_TOKEN_GRACE_SECONDS,
  rotateRefreshToken,
  type PresentedToken,
  type Verdict,
} from './refresh-tokens'

const GRACE_MS = REPLACED_TOKEN_GRACE_SECONDS * 1000
const T0 = Date.UTC(2026, 0, 1)
const DAY_MS = 86_400_000

type Row = PresentedToken['token']
const tokenRow = (over: Partial<Row> = {}): Row => ({
  id: 't',
  sessionId: 's',
  userId: 1,
  secretHash: '',
  createdAtMs: T0,
  expiresAtMs: T0 + 7 * DAY_MS,
  revokedAtMs: null,
  replacedBy: null,
  ...over,
})
const session = (over: Partial<PresentedToken['session']> = {}): PresentedToken['session'] => ({
  id: 's',
  userId: 1,
  createdAtMs: T0,
  lastUsedAtMs: T0,
  expiresAtMs: T0 + 7 * DAY_MS,
  userAgent: null,
  revokedAtMs: null,
  ...over,
})
/** A token replaced at T0 by an unused successor issued then. */
const replaced = (successor: Partial<Row> = {}): Pick<PresentedToken, 'token' | 'successor'> => ({
  token: tokenRow({ replacedBy: 'next' }),
  successor: tokenRow({ id: 'next', ...successor }),
})

describe('judgePresentation', () => {
  const cases: [string, PresentedToken, number, Verdict][] = [
    ['the current token', { token: tokenRow(), session: session(), successor: null }, T0, 'rotate'],
    ['the current token at its expiry', { token: tokenRow(), session: session(), successor: null }, T0 + 7 * DAY_MS, 'expired'],
    ['the current token of an expired family', { token: tokenRow(), session: session({ expiresAtMs: T0 }), successor: null }, T0, 'expired'],
    ['any token of a revoked family', { token: tokenRow({ revokedAtMs: T0 }), session: session({ revokedAtMs: T0 }), successor: null }, T0, 'refuse'],
    ['a replaced token of a revoked family', { ...replaced(), session: session({ revokedAtMs: T0 }) }, T0, 'refuse'],
    ['a replaced token, successor unused, at once', { ...replaced(), session: session() }, T0, 'grace'],
    ['a replaced token, successor unused, 1 ms before the window closes', { ...replaced(), session: session() }, T0 + GRACE_MS - 1, 'grace'],
    ['a replaced token, successor unused, as the window closes', { ...replaced(), session: session() }, T0 + GRACE_MS, 'reuse'],
    ['a replaced token, successor unused, a day later', { ...replaced(), session: session() }, T0 + DAY_MS, 'reuse'],
    ['a replaced token whose successor was exchanged', { ...replaced({ replacedBy: 'after' }), session: session() }, T0, 'reuse'],
    ['a replaced token whose successor was retired', { ...replaced({ revokedAtMs: T0 }), session: session() }, T0, 'reuse'],
    ['a retired token', { token: tokenRow({ revokedAtMs: T0 }), session: session(), successor: null }, T0, 'reuse'],
    ['a replaced token whose successor row is gone', { token: tokenRow({ replacedBy: 'gone' }), session: session(), successor: null }, T0, 'reuse'],
    ['a replaced token in the window of an expired family', { ...replaced(), session: session({ expiresAtMs: T0 }) }, T0, 'expired'],
  ]
  it.each(cases)('judges %s: %s', (_, presented, nowMs, verdict) => {
    expect(judgePresentation(presented, nowMs)).toBe(verdict)
  })
})

describe('rotateRefreshToken', () => {
  async function login() {
    const db = d1Db(env.DB)
    const name = uniqueName()
    const user = await registerUser(db, { username: name, email: `${name}@example.test`, password: 'long enough pw' }, { m: 64, t: 1, p: 1 })
    return { db, first: await createSession(db, user.id, 'test', T0) }
  }

  const isRevoked = async (db: ReturnType<typeof d1Db>, sessionId: string) =>
    (await db.select().from(sessions).where(eq(sessions.id, sessionId)).get())!.revokedAtMs !== null

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
    await expect(rotateRefreshToken(db, first.token, undefined, T0 + GRACE_MS)).rejects.toMatchObject({ code: 'invalid_token' })
    expect(await isRevoked(db, first.sessionId)).toBe(true)
    await expect(rotateRefreshToken(db, lost.token, undefined, T0 + GRACE_MS)).rejects.toMatchObject({ code: 'invalid_token' })
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
    expect(again.expiresAtMs).toBe(T0 + 30_000 + 7 * DAY_MS)
    const row = (await db.select().from(sessions).where(eq(sessions.id, first.sessionId)).get())!
    expect(row).toMatchObject({ lastUsedAtMs: T0 + 30_000, expiresAtMs: again.expiresAtMs, userAgent: 'reloaded' })
  })
})
