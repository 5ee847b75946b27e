import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../../app'
import { authed, errorCode, form, json, ORIGIN, refreshCookie, signUp } from '../helpers'

const CLIENT = 'https://app.client.test' // another site, listed
const SAME_SITE = 'http://chat.test:5173' // the same site as ORIGIN (another port), listed
const STRANGER = 'https://evil.test' // not listed
const ALLOWED = `${CLIENT}, ${SAME_SITE}`

/** The app as deployed with ALLOWED_ORIGINS = `allowed` (real D1 and objects; only the var differs). */
async function fetchWith(allowed: string, path: string, init: RequestInit = {}): Promise<Response> {
  return app.fetch(new Request(new URL(path, ORIGIN), init), { ...env, ALLOWED_ORIGINS: allowed })
}

function preflight(origin: string, method: string, headers = 'authorization,content-type', path = '/chat/create/'): Promise<Response> {
  return fetchWith(ALLOWED, path, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
  })
}

const corsHeaders = (res: Response) => [...res.headers.keys()].filter((name) => name.startsWith('access-control-'))
const varyList = (res: Response) => (res.headers.get('Vary') ?? '').split(',').map((v) => v.trim().toLowerCase())

describe('CORS preflight (OPTIONS)', () => {
  it.each([
    ['a listed other site', CLIENT, 'POST'],
    ['a listed origin on the same site', SAME_SITE, 'POST'],
    ['a listed origin, DELETE', CLIENT, 'DELETE'],
    ['a listed origin, PATCH (PATCH /me/)', CLIENT, 'PATCH'],
  ])('grants %s only our methods and headers, with credentials', async (_, origin, method) => {
    const res = await preflight(origin, method)
    expect(res.status).toBe(204)
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe(origin)
    expect(res.headers.get('Access-Control-Allow-Credentials')).toBe('true')
    expect(res.headers.get('Access-Control-Allow-Methods')).toBe('GET,POST,PATCH,DELETE')
    expect(res.headers.get('Access-Control-Allow-Headers')).toBe('Authorization,Content-Type')
    expect(res.headers.get('Access-Control-Max-Age')).toBe('600')
    expect(varyList(res)).toContain('origin')
  })

  it.each([
    ['a method we do not use', 'PUT', 'content-type'],
    ['TRACE', 'TRACE', 'content-type'],
    ['a header we do not read', 'POST', 'x-evil'],
    ['one unread header among ours', 'POST', 'authorization, x-forwarded-user, content-type'],
  ])('refuses a listed origin %s with 403 cross_origin and no grant', async (_, method, headers) => {
    const res = await preflight(CLIENT, method, headers)
    expect(res.status).toBe(403)
    expect(await errorCode(res)).toBe('cross_origin')
    expect(corsHeaders(res)).toEqual([])
  })

  it.each(['', 'Content-Type', 'AUTHORIZATION , content-type', 'accept-language'])('grants a listed origin the headers %j', async (headers) => {
    expect((await preflight(CLIENT, 'POST', headers)).status).toBe(204)
  })

  it.each([
    ['an unlisted site', STRANGER],
    ['an unlisted port of our own site', 'http://chat.test:3000'],
    ['a listed origin with another scheme', 'http://app.client.test'],
    ['the opaque origin', 'null'],
  ])('refuses %s with 403 cross_origin and no CORS header', async (_, origin) => {
    const res = await preflight(origin, 'POST')
    expect(res.status).toBe(403)
    expect(corsHeaders(res)).toEqual([])
    expect(await errorCode(res)).toBe('cross_origin')
  })

  it('adds no CORS header to a page, even for a listed origin', async () => {
    const res = await fetchWith(ALLOWED, '/signin', { headers: { Origin: CLIENT } })
    expect(corsHeaders(res)).toEqual([])
  })
})

describe('CORS on actual requests', () => {
  it('lets a listed origin read answers, errors included', async () => {
    const user = await signUp('cors')
    const list = await fetchWith(ALLOWED, '/chat/list/', authed(user.accessToken, { headers: { Origin: CLIENT } }))
    expect(list.status).toBe(200)
    const refused = await fetchWith(ALLOWED, '/login/', json({ Email: user.email, Password: 'not the password' }, { Origin: CLIENT }))
    expect(refused.status).toBe(401)
    for (const res of [list, refused]) {
      expect(res.headers.get('Access-Control-Allow-Origin')).toBe(CLIENT)
      expect(res.headers.get('Access-Control-Allow-Credentials')).toBe('true')
      expect(varyList(res)).toContain('origin')
    }
  })

  it.each([
    ['an unlisted origin', STRANGER, ALLOWED],
    ['our own origin', ORIGIN, ALLOWED],
    ['a listed origin once ALLOWED_ORIGINS is emptied', CLIENT, ''],
  ])('gives %s no CORS header', async (_, origin, allowed) => {
    const user = await signUp('cors')
    const res = await fetchWith(allowed, '/chat/list/', authed(user.accessToken, { headers: { Origin: origin } }))
    expect(res.status).toBe(200)
    expect(corsHeaders(res)).toEqual([])
    expect(varyList(res).includes('origin')).toBe(allowed !== '')
  })

  it.each([
    ['an unlisted site', STRANGER, 403],
    ['a listed site', CLIENT, 401],
    ['our own origin', ORIGIN, 401],
  ])('keeps the CSRF guard: a form POST to /login/ from %s answers %i', async (_, origin, status) => {
    const res = await fetchWith(ALLOWED, '/login/', form({ Email: 'nobody@example.test', Password: 'wrong password' }, { Origin: origin }))
    expect(res.status).toBe(status)
    expect(await errorCode(res)).toBe(status === 403 ? 'cross_origin' : 'invalid_credentials')
  })
})

describe('refresh cookie SameSite', () => {
  const sameSiteOf = (res: Response) => /;\s*SameSite=(\w+)/i.exec(res.headers.getSetCookie().find((c) => c.startsWith('refresh_token=')) ?? '')?.[1]

  it.each([
    ['same origin only', 'Strict', '', ORIGIN],
    ['same origin only, no Origin header', 'Strict', '', undefined],
    ['a same-site origin (another port), called from it', 'Strict', SAME_SITE, SAME_SITE],
    ['a cross-site origin, called from it', 'None', CLIENT, CLIENT],
    ['a cross-site origin, called from our own origin', 'Strict', CLIENT, ORIGIN],
    ['a cross-site origin, called with no Origin header', 'Strict', CLIENT, undefined],
    ['our host over https, called from it', 'None', 'https://chat.test', 'https://chat.test'],
  ])('with %s is %s (and Partitioned when None) on login, refresh and logout', async (_, expected, allowed, origin) => {
    const user = await signUp('cookie')
    const headers: Record<string, string> = origin ? { Origin: origin } : {}
    const login = await fetchWith(allowed, '/login/', json({ Email: user.email, Password: user.password }, headers))
    expect(login.status).toBe(200)
    const refresh = await fetchWith(allowed, '/refresh/', { method: 'POST', headers: { ...headers, Cookie: refreshCookie(login)! } })
    expect(refresh.status).toBe(200)
    const logout = await fetchWith(allowed, '/logout/', { method: 'POST', headers: { ...headers, Cookie: refreshCookie(refresh)! } })
    expect(logout.status).toBe(200)
    for (const res of [login, refresh, logout]) {
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('refresh_token='))
      expect(sameSiteOf(res)).toBe(expected)
      expect(cookie).toMatch(/;\s*Secure(;|$)/i)
      expect(/;\s*Partitioned(;|$)/i.test(cookie!)).toBe(expected === 'None')
    }
  })
})
