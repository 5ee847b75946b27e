import { env } from 'cloudflare:workers'
import { SignJWT, UnsecuredJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { MAX_BODY_BYTES, type LoginResponse, type RefreshResponse, type SessionsResponse, type UsersResponse } from '../../../protocol/http'
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../auth/access-tokens'
import { base64ToBytes } from '../../crypto/encoding'
import { api, authed, callUntilLimited, errorCode, expectLimitedAfter, form, json, ORIGIN, refreshCookie, signUp, uniqueName } from '../helpers'

const jwtKey = () => base64ToBytes(env.JWT_SECRET)!

function refresh(cookie: string | null, headers: Record<string, string> = {}) {
  return api('/refresh/', { method: 'POST', headers: cookie ? { Cookie: cookie, ...headers } : headers })
}

function login(email: string, password: string) {
  return api('/login/', json({ Email: email, Password: password }))
}

function registration(overrides: Record<string, string> = {}) {
  const name = uniqueName('reg')
  return { Username: name, Email: `${name}@example.test`, Password: 'correct horse battery', ...overrides }
}

describe('POST /reg_user/', () => {
  it('registers from JSON and from a urlencoded form', async () => {
    const fromJson = await api('/reg_user/', json(registration()))
    expect(fromJson.status).toBe(201)
    const body = (await fromJson.json()) as { msg: string; data: { Userid: number; Username: string } }
    expect(body.data.Userid).toBeGreaterThan(0)
    expect(JSON.stringify(body)).not.toContain('correct horse')

    const fromForm = await api('/reg_user/', form(registration()))
    expect(fromForm.status).toBe(201)
  })

  it('trims the email and refuses one that differs only in case with 409 email_taken', async () => {
    const input = registration()
    expect((await api('/reg_user/', json(input))).status).toBe(201)
    const again = await api('/reg_user/', json({ ...input, Username: uniqueName(), Email: `  ${input.Email.toUpperCase()} ` }))
    expect(again.status).toBe(409)
    expect(await errorCode(again)).toBe('email_taken')
  })

  it('refuses a username that differs only in case with 409 username_taken', async () => {
    const input = registration()
    await api('/reg_user/', json(input))
    const again = await api('/reg_user/', json(registration({ Username: input.Username.toUpperCase() })))
    expect(again.status).toBe(409)
    expect(await errorCode(again)).toBe('username_taken')
  })

  it.each([
    ['a short username', { Username: 'ab' }],
    ['a long username', { Username: 'x'.repeat(33) }],
    ['a username with spaces', { Username: 'two words' }],
    ['a 7-character password', { Password: '1234567' }],
    ['a 129-character password', { Password: 'p'.repeat(129) }],
    ['an email without @', { Email: 'nobody.example.test' }],
  ])('answers 400 invalid_request for %s', async (_, override) => {
    const res = await api('/reg_user/', json(registration(override)))
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('invalid_request')
  })

  it('accepts a long passphrase without composition rules', async () => {
    const res = await api('/reg_user/', json(registration({ Password: 'all lowercase words are fine '.repeat(4) })))
    expect(res.status).toBe(201)
  })

  it('answers 400 for missing fields and for a field of the wrong type', async () => {
    const missing = await api('/reg_user/', json({ Username: uniqueName(), Password: 'long enough' }))
    expect(missing.status).toBe(400)
    expect(await errorCode(missing)).toBe('invalid_request')
    const wrongType = await api('/reg_user/', json({ ...registration(), Password: 12345678 }))
    expect(await errorCode(wrongType)).toBe('invalid_request')
  })

  it('answers malformed JSON with 400 invalid_json and other content types with 415', async () => {
    const malformed = await api('/reg_user/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"Username":' })
    expect(malformed.status).toBe(400)
    expect(await errorCode(malformed)).toBe('invalid_json')
    const array = await api('/reg_user/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[1]' })
    expect(await errorCode(array)).toBe('invalid_request')
    const text = await api('/reg_user/', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hello' })
    expect(text.status).toBe(415)
    expect(await errorCode(text)).toBe('unsupported_media_type')
  })

  it('answers an oversized body with 413 payload_too_large', async () => {
    const res = await api('/reg_user/', json(registration({ Password: 'p'.repeat(MAX_BODY_BYTES) })))
    expect(res.status).toBe(413)
    expect(await errorCode(res)).toBe('payload_too_large')
  })

  it('refuses a cross-site origin with 403 cross_origin', async () => {
    const res = await api('/reg_user/', json(registration(), { Origin: 'https://evil.example' }))
    expect(res.status).toBe(403)
    expect(await errorCode(res)).toBe('cross_origin')
  })
})

describe('POST /login/', () => {
  it('returns a Bearer access token for 15 minutes and the refresh token as a hardened cookie', async () => {
    const input = registration()
    await api('/reg_user/', json(input))
    const res = await login(input.Email.toUpperCase(), input.Password)
    expect(res.status).toBe(200)
    const body = (await res.json()) as LoginResponse
    expect(body).toMatchObject({ success: true, token_type: 'Bearer', expires_in: 900 })
    expect(body.user).toMatchObject({ username: input.Username, email: input.Email.toLowerCase() })
    expect(body.access_token.split('.')).toHaveLength(3)
    expect(JSON.stringify(body)).not.toMatch(/refresh|password_hash|\$argon2/)

    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('refresh_token='))!
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/Secure/i)
    expect(cookie).toMatch(/SameSite=Strict/i)
    expect(cookie).toMatch(/Path=\//)
    expect(cookie).toMatch(/Max-Age=604800/)
  })

  it('answers an unknown email and a wrong password with the same 401', async () => {
    const user = await signUp()
    const wrongPassword = await login(user.email, 'not the password')
    const unknownEmail = await login(`nobody-${user.email}`, user.password)
    expect(wrongPassword.status).toBe(401)
    expect(unknownEmail.status).toBe(401)
    const [a, b] = [await wrongPassword.json(), await unknownEmail.json()]
    expect(a).toEqual(b)
    expect(a).toMatchObject({ error: { code: 'invalid_credentials' } })
    expect(wrongPassword.headers.getSetCookie()).toEqual([])
  })

  it('answers 429 rate_limited after 10 attempts on one account in a minute, without affecting others', async () => {
    const [victim, bystander] = await Promise.all([signUp('victim'), signUp('bystander')])
    // The sign-up's own sign-in was the account's first attempt of the window.
    expectLimitedAfter(await callUntilLimited(10, (i) => login(victim.email, `guess-${i}`)), 9, 401)
    const limited = await login(victim.email, victim.password)
    expect(limited.status).toBe(429)
    expect(await errorCode(limited)).toBe('rate_limited')
    expect((await login(bystander.email, bystander.password)).status).toBe(200)
  })

  it('answers missing fields with 400, not 401 or 500', async () => {
    const res = await api('/login/', json({ Email: 'someone@example.test' }))
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('invalid_request')
  })
})

describe('POST /refresh/', () => {
  it('rotates on every call: three refreshes in a row each return a new access token and cookie', async () => {
    const user = await signUp()
    let cookie = user.cookie
    const seen = new Set([cookie])
    for (let i = 0; i < 3; i++) {
      const res = await refresh(cookie)
      expect(res.status).toBe(200)
      const body = (await res.json()) as RefreshResponse
      expect(body.expires_in).toBe(900)
      const me = await api('/me/', authed(body.access_token))
      expect(me.status).toBe(200)
      cookie = refreshCookie(res)!
      expect(seen.has(cookie)).toBe(false)
      seen.add(cookie)
    }
  })

  it('revokes the whole family when a replaced token is presented after its successor was used', async () => {
    const user = await signUp()
    const second = refreshCookie(await refresh(user.cookie))!
    const current = refreshCookie(await refresh(second))!

    const reuse = await refresh(user.cookie)
    expect(reuse.status).toBe(401)
    expect(await errorCode(reuse)).toBe('invalid_token')

    const afterReuse = await refresh(current)
    expect(afterReuse.status).toBe(401)
    expect(await errorCode(afterReuse)).toBe('invalid_token')
  })

  it('answers no cookie with 401 missing_token and garbage with 401 invalid_token', async () => {
    expect(await errorCode(await refresh(null))).toBe('missing_token')
    expect(await errorCode(await refresh('refresh_token=garbage'))).toBe('invalid_token')
    const forged = `refresh_token=${'a'.repeat(22)}.${'b'.repeat(43)}`
    expect(await errorCode(await refresh(forged))).toBe('invalid_token')
  })

  it('never accepts an access token as the refresh token', async () => {
    const user = await signUp()
    const res = await refresh(`refresh_token=${user.accessToken}`)
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('invalid_token')
  })

  it('refuses a cross-site origin', async () => {
    const user = await signUp()
    const res = await refresh(user.cookie, { Origin: 'https://evil.example' })
    expect(res.status).toBe(403)
    expect((await refresh(user.cookie, { Origin: ORIGIN })).status).toBe(200)
  })
})

describe('POST /logout/', () => {
  it('revokes the login and clears the cookie', async () => {
    const user = await signUp()
    const res = await api('/logout/', { method: 'POST', headers: { Cookie: user.cookie } })
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie().join()).toMatch(/refresh_token=;.*Max-Age=0/)
    expect((await refresh(user.cookie)).status).toBe(401)
  })

  it('is idempotent without a cookie', async () => {
    expect((await api('/logout/', { method: 'POST' })).status).toBe(200)
  })
})

describe('/sessions/', () => {
  it('lists active logins with the current one marked, revokes one, and signs out everywhere', async () => {
    const user = await signUp()
    const second = await api('/login/', json({ Email: user.email, Password: user.password }, { 'User-Agent': 'second-device/1.0' }))
    const secondCookie = refreshCookie(second)!

    const list = await api('/sessions/', authed(user.accessToken))
    const { sessions } = (await list.json()) as SessionsResponse
    expect(sessions).toHaveLength(2)
    expect(sessions.filter((s) => s.current)).toHaveLength(1)
    const other = sessions.find((s) => !s.current)!
    expect(other.user_agent).toBe('second-device/1.0')
    expect(Object.keys(other).sort()).toEqual(['created_at', 'current', 'expires_at', 'id', 'last_used_at', 'user_agent'])

    const revoke = await api(`/sessions/${other.id}/`, authed(user.accessToken, { method: 'DELETE' }))
    expect(revoke.status).toBe(200)
    expect((await refresh(secondCookie)).status).toBe(401)
    expect((await refresh(user.cookie)).status).toBe(200)

    const all = await api('/sessions/', authed(user.accessToken, { method: 'DELETE' }))
    expect(all.status).toBe(200)
    // Every session is revoked, the caller's too: its access token is refused at once.
    expect(await errorCode(await api('/sessions/', authed(user.accessToken)))).toBe('session_revoked')
    expect((await refresh(user.cookie)).status).toBe(401)
  })

  it("answers 404 for another user's session id", async () => {
    const [alice, bob] = await Promise.all([signUp('alice'), signUp('bob')])
    const { sessions } = (await (await api('/sessions/', authed(bob.accessToken))).json()) as SessionsResponse
    const res = await api(`/sessions/${sessions[0]!.id}/`, authed(alice.accessToken, { method: 'DELETE' }))
    expect(res.status).toBe(404)
    expect(await errorCode(res)).toBe('not_found')
    expect((await refresh(bob.cookie)).status).toBe(200)
  })
})

describe('GET /users/', () => {
  it('lists other users without emails, searchable and paged', async () => {
    const tag = uniqueName('zq')
    const me = await signUp(`${tag}me`)
    await signUp(`${tag}a`)
    await signUp(`${tag}b`)
    await signUp(`${tag}c`)
    const page1 = (await (await api(`/users/?q=${tag}&limit=2`, authed(me.accessToken))).json()) as UsersResponse
    expect(page1.users).toHaveLength(2)
    expect(page1.next_offset).toBe(2)
    const page2 = (await (await api(`/users/?q=${tag}&limit=2&offset=2`, authed(me.accessToken))).json()) as UsersResponse
    expect(page2.users).toHaveLength(1)
    expect(page2.next_offset).toBeNull()
    const all = [...page1.users, ...page2.users]
    expect(all.map((u) => u.userid)).not.toContain(me.id)
    for (const u of all) expect(Object.keys(u).sort()).toEqual(['userid', 'username'])
  })

  it('treats % and _ in the query literally', async () => {
    const me = await signUp()
    const res = (await (await api('/users/?q=%25', authed(me.accessToken))).json()) as UsersResponse
    expect(res.users).toEqual([])
  })

  it('answers a bad limit with 400', async () => {
    const me = await signUp()
    const res = await api('/users/?limit=-1', authed(me.accessToken))
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('invalid_request')
  })
})

describe('protected routes', () => {
  const routes: [string, string][] = [
    ['GET', '/users/'],
    ['GET', '/me/'],
    ['GET', '/sessions/'],
    ['DELETE', '/sessions/'],
    ['DELETE', '/sessions/abc/'],
    ['GET', '/chat/list/'],
    ['GET', '/chat/explore/'],
    ['POST', '/chat/create/'],
    ['POST', '/chat/private/'],
    ['POST', '/chat/1/add/'],
    ['GET', '/chat/1/history/'],
    ['POST', '/chat/1/send/'],
    ['POST', '/chat/1/remove/'],
    ['POST', '/chat/1/role/'],
    ['GET', '/chat/1/members/'],
  ]

  async function sign(claims: Record<string, unknown>, options: { key?: Uint8Array; expiresAt?: number } = {}) {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ type: 'access', name: 'mallory', sid: 'x', ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject('1')
      .setIssuedAt(now - 60)
      .setExpirationTime(options.expiresAt ?? now + 600)
      .sign(options.key ?? jwtKey())
  }

  it.each(routes)('%s %s answers 401 missing_token without a token', async (method, path) => {
    const res = await api(path, { method })
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('missing_token')
  })

  it.each(routes)('%s %s answers 401 token_expired for an expired token', async (method, path) => {
    const token = await sign({}, { expiresAt: Math.floor(Date.now() / 1000) - 60 })
    const res = await api(path, authed(token, { method }))
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('token_expired')
  })

  it.each(routes)('%s %s answers 401 invalid_token for tampered, unsigned, foreign-key and wrong-type tokens', async (method, path) => {
    const user = await signUp()
    const [header, payload, signature] = user.accessToken.split('.')
    const claims = JSON.parse(atob(payload!.replace(/-/g, '+').replace(/_/g, '/')))
    const forgedPayload = btoa(JSON.stringify({ ...claims, sub: '999999' })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
    const tampered = `${header}.${forgedPayload}.${signature}`
    const unsigned = new UnsecuredJWT({ type: 'access', name: 'x', sid: 'x' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(String(user.id))
      .setIssuedAt()
      .setExpirationTime('10m')
      .encode()
    const otherKey = await sign({ sub: String(user.id) }, { key: crypto.getRandomValues(new Uint8Array(32)) })
    const refreshType = await sign({ type: 'refresh' })
    const refreshToken = user.cookie.slice('refresh_token='.length)
    for (const token of [tampered, unsigned, otherKey, refreshType, refreshToken, 'not-a-jwt']) {
      const res = await api(path, authed(token, { method }))
      expect(res.status, token).toBe(401)
      expect(await errorCode(res)).toBe('invalid_token')
    }
    const badScheme = await api(path, { method, headers: { Authorization: `Basic ${btoa('a:b')}` } })
    expect(await errorCode(badScheme)).toBe('invalid_token')
  })
})

describe('unknown paths', () => {
  it('answers API-looking paths with a JSON 404', async () => {
    const res = await api('/users/nope/')
    expect(res.status).toBe(404)
    expect(await errorCode(res)).toBe('not_found')
  })

  it.each([
    ['PUT', '/login/', 'POST'],
    ['GET', '/reg_user/', 'POST'],
    ['DELETE', '/refresh/', 'POST'],
    ['PATCH', '/health', 'GET, HEAD'],
  ])('answers %s %s with 405 method_not_allowed and Allow: %s', async (method, path, allow) => {
    const res = await api(path, { method })
    expect(res.status).toBe(405)
    expect(res.headers.get('Allow')).toBe(allow)
    expect(await errorCode(res)).toBe('method_not_allowed')
  })

  it('names every method a guarded path answers once the caller is signed in', async () => {
    const user = await signUp('allow')
    const res = await api('/sessions/', authed(user.accessToken, { method: 'PUT' }))
    expect(res.status).toBe(405)
    expect(res.headers.get('Allow')).toBe('DELETE, GET, HEAD')
  })
})
