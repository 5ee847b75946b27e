import { describe, expect, it } from 'vitest'
import type { ChangePasswordResponse } from '../../../protocol/http'
import { api, authed, callUntilLimited, errorCode, expectLimitedAfter, freshUserIds, json, refreshCookie, signUp, type TestUser } from '../helpers'

function changePassword(user: TestUser, body: unknown): Promise<Response> {
  return api('/me/password/', authed(user.accessToken, json(body)))
}

const signIn = (email: string, password: string) => api('/login/', json({ Email: email, Password: password }))
const refresh = (cookie: string) => api('/refresh/', { method: 'POST', headers: { Cookie: cookie } })

describe('POST /me/password/', () => {
  it.each([
    ['a missing old password', (u: TestUser) => ({ new_password: 'a-new-password' }), 400, 'invalid_request', 'old_password'],
    ['an empty old password', (u: TestUser) => ({ old_password: '', new_password: 'a-new-password' }), 400, 'invalid_request', 'old_password'],
    ['a wrong old password', (u: TestUser) => ({ old_password: 'wrong-password', new_password: 'a-new-password' }), 401, 'invalid_credentials', undefined],
    ['a missing new password', (u: TestUser) => ({ old_password: u.password }), 400, 'invalid_request', 'new_password'],
    ['a new password under 8 characters', (u: TestUser) => ({ old_password: u.password, new_password: 'short' }), 400, 'invalid_request', 'new_password'],
    ['a new password over 128 characters', (u: TestUser) => ({ old_password: u.password, new_password: 'x'.repeat(129) }), 400, 'invalid_request', 'new_password'],
    ['a new password with NUL', (u: TestUser) => ({ old_password: u.password, new_password: 'pass\u0000word' }), 400, 'invalid_request', 'new_password'],
  ])('refuses %s and changes nothing', async (_name, body, status, code, field) => {
    const user = await signUp('keeper')
    const res = await changePassword(user, body(user))
    expect(res.status).toBe(status)
    const error = ((await res.json()) as { error: { code: string; field?: string } }).error
    expect(error.code).toBe(code)
    expect(error.field).toBe(field)
    expect((await signIn(user.email, user.password)).status).toBe(200)
    expect((await refresh(user.cookie)).status).toBe(200)
  })

  it('stores the new password, revokes every other session and keeps the current one', async () => {
    const user = await signUp('changer')
    const others = await Promise.all([signIn(user.email, user.password), signIn(user.email, user.password)])
    const otherCookies = others.map((res) => refreshCookie(res)!)
    const res = await changePassword(user, { old_password: user.password, new_password: 'the-new-password' })
    expect(res.status).toBe(200)
    expect(((await res.json()) as ChangePasswordResponse).revoked_sessions).toBe(2)
    for (const cookie of otherCookies) {
      const refused = await refresh(cookie)
      expect(refused.status).toBe(401)
      expect(await errorCode(refused)).toBe('invalid_token')
    }
    expect((await refresh(user.cookie)).status).toBe(200)
    expect((await api('/me/', authed(user.accessToken))).status).toBe(200)
    expect((await signIn(user.email, user.password)).status).toBe(401)
    expect((await signIn(user.email, 'the-new-password')).status).toBe(200)
  })

  it('needs an access token', async () => {
    const res = await api('/me/password/', json({ old_password: 'whatever1', new_password: 'whatever2' }))
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('missing_token')
  })

  it('answers 429 rate_limited after 10 attempts in a minute, to the right password too', async () => {
    await freshUserIds()
    const user = await signUp('guessed')
    const guesses = await callUntilLimited(10, (i) => changePassword(user, { old_password: `guess-${i}-guess`, new_password: 'the-new-password' }))
    expectLimitedAfter(guesses, 10, 401)
    const limited = await changePassword(user, { old_password: user.password, new_password: 'the-new-password' })
    expect(limited.status).toBe(429)
    expect(await errorCode(limited)).toBe('rate_limited')
    expect((await signIn(user.email, user.password)).status).toBe(200)
  })
})
