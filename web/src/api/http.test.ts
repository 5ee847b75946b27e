import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RefreshResponse } from '../../../protocol'
import { clearAccessToken, onSessionEnd, refreshAccessToken, request } from './http'

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

/** A fake server: protected paths accept only `token-N` for the newest N; /refresh/ issues the next one. */
function fakeServer() {
  const calls = { refresh: 0, api: 0 }
  let current = 0
  vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
    // A real round trip: every request sent in this turn is on the wire before any answer arrives.
    await new Promise((r) => setImmediate(r))
    if (path === '/refresh/') {
      calls.refresh++
      current++
      return json(200, { access_token: `token-${current}`, token_type: 'Bearer', expires_in: 900, user: { userid: 1, username: 'ann', email: 'a@x' } } satisfies RefreshResponse)
    }
    calls.api++
    const auth = (init.headers as Record<string, string>).Authorization
    if (auth !== `Bearer token-${current}`) return json(401, { error: { code: 'token_expired', message: 'expired' } })
    return json(200, { ok: true, path })
  })
  return { calls, expireAll: () => current++ }
}

describe('request (api/http.ts)', () => {
  afterEach(() => {
    clearAccessToken()
    vi.unstubAllGlobals()
  })

  it('refreshes once for many requests that meet an expired token together, then retries each once', async () => {
    const server = fakeServer()
    await refreshAccessToken()
    server.expireAll()
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => request<{ ok: boolean }>('GET', `/chat/${n}/history/`)))
    expect(server.calls.refresh, 'one refresh to start, one for the whole burst').toBe(2)
    expect(server.calls.api, 'each request: the refused try and one retry').toBe(10)
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true])
  })

  it('gets a token first when it has none, without a refused request', async () => {
    const server = fakeServer()
    await request('GET', '/chat/list/')
    expect(server.calls).toEqual({ refresh: 1, api: 1 })
  })

  it('turns a network failure into a `network` error', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    await expect(request('GET', '/chat/list/', { auth: false })).rejects.toMatchObject({ code: 'network' })
  })

  it('ends the session when a request meets session_revoked and the refresh is refused', async () => {
    const seen: string[] = []
    vi.stubGlobal('fetch', async (path: string) => {
      seen.push(path)
      if (path === '/refresh/' && seen.length === 1) return json(200, { access_token: 'token-1', token_type: 'Bearer', expires_in: 900, user: { userid: 1, username: 'ann', email: 'a@x' } } satisfies RefreshResponse)
      if (path === '/refresh/') return json(401, { error: { code: 'invalid_token', message: 'x' } })
      return json(401, { error: { code: 'session_revoked', message: 'x' } })
    })
    let ended = 0
    const stop = onSessionEnd(() => ended++)
    await expect(request('GET', '/chat/list/')).rejects.toMatchObject({ status: 401 })
    stop()
    expect(seen).toEqual(['/refresh/', '/chat/list/', '/refresh/'])
    expect(ended).toBe(1)
  })

  it('ends the session when the refresh cookie is refused', async () => {
    vi.stubGlobal('fetch', async () => json(401, { error: { code: 'invalid_token', message: 'x' } }))
    let ended = 0
    const stop = onSessionEnd(() => ended++)
    await expect(refreshAccessToken()).rejects.toMatchObject({ code: 'invalid_token' })
    stop()
    expect(ended).toBe(1)
  })
})
