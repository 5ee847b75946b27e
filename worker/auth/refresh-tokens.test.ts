import { describe, expect, it } from 'vitest'
import { judgePresentation, REPLACED_TOKEN_GRACE_SECONDS, type PresentedToken, type Verdict } from './refresh-tokens'

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
