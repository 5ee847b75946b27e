import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { ErrorCode } from '../../../protocol/errors'
import type { SessionsResponse } from '../../../protocol/http'
import { REPLACED_TOKEN_GRACE_SECONDS } from '../../auth/refresh-tokens'
import { api, authed, errorCode, refreshCookie, signUp, type TestUser } from '../helpers'

// Issue #9 item 1: a lost /refresh/ answer must not end the login, and reuse detection must hold.
// Times are moved by writing past timestamps to the test D1, never by sleeping.

const GRACE_MS = REPLACED_TOKEN_GRACE_SECONDS * 1000

function refresh(cookie: string) {
  return api('/refresh/', { method: 'POST', headers: { Cookie: cookie } })
}

/** Presents `cookie`, expects 200, and returns the new cookie (the answer the browser may never see). */
async function rotate(cookie: string): Promise<string> {
  const res = await refresh(cookie)
  expect(res.status, await res.clone().text()).toBe(200)
  return refreshCookie(res)!
}

const tokenId = (cookie: string) => cookie.slice('refresh_token='.length).split('.')[0]!

async function sessionIdOf(cookie: string): Promise<string> {
  const row = await env.DB.prepare('SELECT session_id FROM refresh_tokens WHERE id = ?').bind(tokenId(cookie)).first<{ session_id: string }>()
  return row!.session_id
}

/** Ids of the family's current tokens (neither replaced nor revoked): one while the login lives. */
async function currentTokenIds(cookie: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    'SELECT id FROM refresh_tokens WHERE session_id = ? AND replaced_by IS NULL AND revoked_at_ms IS NULL',
  )
    .bind(await sessionIdOf(cookie))
    .all<{ id: string }>()
  return results.map((r) => r.id)
}

async function familySize(cookie: string): Promise<number> {
  const row = await env.DB.prepare('SELECT count(*) AS n FROM refresh_tokens WHERE session_id = ?').bind(await sessionIdOf(cookie)).first<{ n: number }>()
  return row!.n
}

/** Moves a token's issue `ms` into the past, as if that long had passed since it was issued. */
async function age(cookie: string, ms: number): Promise<void> {
  await env.DB.prepare('UPDATE refresh_tokens SET created_at_ms = created_at_ms - ? WHERE id = ?').bind(ms, tokenId(cookie)).run()
}

/** Makes the family of `cookie` and all its tokens expired. */
async function expireFamily(cookie: string): Promise<void> {
  const sessionId = await sessionIdOf(cookie)
  const pastMs = Date.now() - 1000
  await env.DB.batch([
    env.DB.prepare('UPDATE sessions SET expires_at_ms = ? WHERE id = ?').bind(pastMs, sessionId),
    env.DB.prepare('UPDATE refresh_tokens SET expires_at_ms = ? WHERE session_id = ?').bind(pastMs, sessionId),
  ])
}

async function listedSessions(user: TestUser): Promise<SessionsResponse['sessions']> {
  const res = await api('/sessions/', authed(user.accessToken))
  // The user's one login was revoked: its own access token is refused at once (issue #14).
  if (res.status === 401 && (await errorCode(res)) === 'session_revoked') return []
  expect(res.status).toBe(200)
  return ((await res.json()) as SessionsResponse).sessions
}

async function logout(cookie: string): Promise<void> {
  expect((await api('/logout/', { method: 'POST', headers: { Cookie: cookie } })).status).toBe(200)
}

interface Case {
  name: string
  /**
   * Brings a fresh login (first cookie `user.cookie`) to the state under test. Returns the cookie to
   * present and the newest cookie the other holder has, which must work exactly when the login lives.
   */
  arrange(user: TestUser): Promise<{ present: string; newest: string }>
  status: 200 | 401
  code?: ErrorCode
  familyLives: boolean
}

const cases: Case[] = [
  {
    name: 'the current token',
    arrange: async (u) => ({ present: u.cookie, newest: u.cookie }),
    status: 200,
    familyLives: true,
  },
  {
    name: 'the just-replaced token whose successor was never presented (one lost answer)',
    arrange: async (u) => ({ present: u.cookie, newest: await rotate(u.cookie) }),
    status: 200,
    familyLives: true,
  },
  {
    name: 'the just-replaced token after two lost answers in a row',
    arrange: async (u) => {
      await rotate(u.cookie)
      return { present: u.cookie, newest: await rotate(u.cookie) }
    },
    status: 200,
    familyLives: true,
  },
  {
    name: 'the just-replaced token after earlier rotations went through',
    arrange: async (u) => {
      const second = await rotate(u.cookie)
      return { present: second, newest: await rotate(second) }
    },
    status: 200,
    familyLives: true,
  },
  {
    name: 'the just-replaced token 5 s before the window closes',
    arrange: async (u) => {
      const second = await rotate(u.cookie)
      await age(second, GRACE_MS - 5000)
      return { present: u.cookie, newest: second }
    },
    status: 200,
    familyLives: true,
  },
  {
    name: 'the just-replaced token once the window has closed',
    arrange: async (u) => {
      const second = await rotate(u.cookie)
      await age(second, GRACE_MS)
      return { present: u.cookie, newest: second }
    },
    status: 401,
    code: 'invalid_token',
    familyLives: false,
  },
  {
    name: 'a replaced token whose successor was used',
    arrange: async (u) => ({ present: u.cookie, newest: await rotate(await rotate(u.cookie)) }),
    status: 401,
    code: 'invalid_token',
    familyLives: false,
  },
  {
    name: 'a replaced token whose grace successor was used',
    arrange: async (u) => {
      await rotate(u.cookie)
      return { present: u.cookie, newest: await rotate(await rotate(u.cookie)) }
    },
    status: 401,
    code: 'invalid_token',
    familyLives: false,
  },
  {
    name: 'a successor retired unused by a grace exchange',
    arrange: async (u) => {
      const retired = await rotate(u.cookie)
      return { present: retired, newest: await rotate(u.cookie) }
    },
    status: 401,
    code: 'invalid_token',
    familyLives: false,
  },
  {
    name: 'the just-replaced token after logout with it',
    arrange: async (u) => {
      const second = await rotate(u.cookie)
      await logout(u.cookie)
      return { present: u.cookie, newest: second }
    },
    status: 401,
    code: 'invalid_token',
    familyLives: false,
  },
  {
    name: 'the just-replaced token after logout with its successor',
    arrange: async (u) => {
      const second = await rotate(u.cookie)
      await logout(second)
      return { present: u.cookie, newest: second }
    },
    status: 401,
    code: 'invalid_token',
    familyLives: false,
  },
  {
    name: 'the just-replaced token after DELETE /sessions/<id>/',
    arrange: async (u) => {
      const second = await rotate(u.cookie)
      const [session] = await listedSessions(u)
      expect((await api(`/sessions/${session!.id}/`, authed(u.accessToken, { method: 'DELETE' }))).status).toBe(200)
      return { present: u.cookie, newest: second }
    },
    status: 401,
    code: 'invalid_token',
    familyLives: false,
  },
  {
    name: 'the just-replaced token after DELETE /sessions/ (everywhere)',
    arrange: async (u) => {
      const second = await rotate(u.cookie)
      expect((await api('/sessions/', authed(u.accessToken, { method: 'DELETE' }))).status).toBe(200)
      return { present: u.cookie, newest: second }
    },
    status: 401,
    code: 'invalid_token',
    familyLives: false,
  },
  {
    name: 'the current token of an expired family',
    arrange: async (u) => {
      await expireFamily(u.cookie)
      return { present: u.cookie, newest: u.cookie }
    },
    status: 401,
    code: 'token_expired',
    familyLives: false,
  },
  {
    name: 'the just-replaced token of an expired family',
    arrange: async (u) => {
      const second = await rotate(u.cookie)
      await expireFamily(u.cookie)
      return { present: u.cookie, newest: second }
    },
    status: 401,
    code: 'token_expired',
    familyLives: false,
  },
]

describe('POST /refresh/ with a replaced token', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, { arrange, status, code, familyLives }) => {
    const user = await signUp()
    const { present, newest } = await arrange(user)

    const res = await refresh(present)
    expect(res.status).toBe(status)
    if (code) expect(await errorCode(res)).toBe(code)
    const issued = refreshCookie(res)
    if (status === 200) expect([user.cookie, present, newest]).not.toContain(issued)
    else expect(issued).toBeNull()

    const sessions = await listedSessions(user)
    expect(sessions).toHaveLength(familyLives ? 1 : 0)
    const next = await refresh(issued ?? newest)
    expect(next.status).toBe(familyLives ? 200 : 401)
  })
})

describe('POST /refresh/ races', () => {
  it('treats two concurrent exchanges of the current token like a lost answer: both succeed, one token stays current', async () => {
    const user = await signUp()
    const results = await Promise.all([refresh(user.cookie), refresh(user.cookie)])
    expect(results.map((r) => r.status)).toEqual([200, 200])
    const cookies = results.map((r) => refreshCookie(r)!)
    const current = await currentTokenIds(user.cookie)
    expect(current).toHaveLength(1)
    expect(await familySize(user.cookie)).toBe(3)
    const live = cookies.find((c) => tokenId(c) === current[0])!
    const retired = cookies.find((c) => c !== live)!
    expect(retired).toBeDefined()

    expect((await refresh(live)).status).toBe(200)
    expect((await refresh(retired)).status).toBe(401)
    expect(await listedSessions(user)).toHaveLength(0)
  })

  it('lets four concurrent re-presentations of a just-replaced token all succeed, leaving one current token', async () => {
    const user = await signUp()
    const lost = await rotate(user.cookie)
    const results = await Promise.all(Array.from({ length: 4 }, () => refresh(user.cookie)))
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200])
    const cookies = results.map((r) => refreshCookie(r)!)
    expect(new Set(cookies).size).toBe(4)
    const current = await currentTokenIds(user.cookie)
    expect(current).toHaveLength(1)
    expect(cookies.map(tokenId)).toContain(current[0])
    expect(current).not.toContain(tokenId(lost))
    expect(await familySize(user.cookie)).toBe(6)
    expect(await listedSessions(user)).toHaveLength(1)
    expect((await refresh(cookies.find((c) => tokenId(c) === current[0])!)).status).toBe(200)
  })

  it('ends the login when a grace re-presentation races the successor being used', async () => {
    const user = await signUp()
    const second = await rotate(user.cookie)
    const results = await Promise.all([refresh(user.cookie), refresh(second)])
    expect(results.map((r) => r.status).sort()).toEqual([200, 401])
    const winner = refreshCookie(results.find((r) => r.status === 200)!)!
    expect((await refresh(winner)).status).toBe(401)
    expect(await currentTokenIds(user.cookie)).toEqual([])
    expect(await listedSessions(user)).toHaveLength(0)
  })

  it('leaves no usable token when a grace re-presentation races logout', async () => {
    const user = await signUp()
    await rotate(user.cookie)
    const [res] = await Promise.all([refresh(user.cookie), logout(user.cookie)])
    expect([200, 401]).toContain(res.status)
    expect(await currentTokenIds(user.cookie)).toEqual([])
    expect(await listedSessions(user)).toHaveLength(0)
    const issued = refreshCookie(res)
    if (issued) expect((await refresh(issued)).status).toBe(401)
  })
})
