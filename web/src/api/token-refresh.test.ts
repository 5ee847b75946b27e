import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RefreshResponse } from '../../../protocol'
import { clearAccessToken, getAccessToken, onSessionEnd, refreshAccessToken, refreshIfDue } from './http'

const TTL_SECONDS = 900
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

/** /refresh/ as the worker answers it; `mode` makes it fail on the network or refuse the cookie. */
function fakeRefreshEndpoint() {
  const server = { mode: 'ok' as 'ok' | 'offline' | 'refused', calls: 0, issued: 0 }
  vi.stubGlobal('fetch', async (path: string) => {
    // Soft: a throw here would reach the code under test as a network failure, not fail the test.
    expect.soft(path).toBe('/refresh/')
    server.calls++
    await new Promise((r) => setImmediate(r))
    if (server.mode === 'offline') throw new TypeError('Failed to fetch')
    if (server.mode === 'refused') return json(401, { error: { code: 'invalid_token', message: 'x' } })
    server.issued++
    return json(200, {
      access_token: `token-${server.issued}`,
      token_type: 'Bearer',
      expires_in: TTL_SECONDS,
      user: { userid: 1, username: 'ann', email: 'a@x' },
    } satisfies RefreshResponse)
  })
  return server
}

// A refresh awaits its round trip and then the token's listeners: a few macrotasks let it settle.
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}

describe('access token upkeep (api/http.ts)', () => {
  // setImmediate stays real: the fake endpoint and flush() rely on it.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.UTC(2026, 0, 1) })
  })
  afterEach(() => {
    clearAccessToken()
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('retries the early refresh with backoff after it failed offline, until it succeeds', async () => {
    const server = fakeRefreshEndpoint()
    await refreshAccessToken()
    server.mode = 'offline'
    vi.advanceTimersByTime((TTL_SECONDS - 60) * 1000)
    await flush()
    expect(server.calls, 'the early refresh ran a minute before expiry').toBe(2)
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(15_000)
      await flush()
    }
    expect(server.calls, 'and was retried after each failure').toBe(5)
    server.mode = 'ok'
    vi.advanceTimersByTime(15_000)
    await flush()
    expect((await getAccessToken()).token).toBe('token-2')
    vi.advanceTimersByTime(15_000)
    await flush()
    expect(server.calls, 'no retries once it succeeded').toBe(6)
  })

  it('stops retrying and ends the session when /refresh/ refuses the cookie', async () => {
    const server = fakeRefreshEndpoint()
    await refreshAccessToken()
    let ended = 0
    const stop = onSessionEnd(() => ended++)
    server.mode = 'refused'
    vi.advanceTimersByTime(TTL_SECONDS * 1000)
    await flush()
    vi.advanceTimersByTime(60_000)
    await flush()
    stop()
    expect(server.calls).toBe(2)
    expect(ended).toBe(1)
  })

  it('refreshes on a wake check when the wall clock passed the refresh moment though no timer ran', async () => {
    const server = fakeRefreshEndpoint()
    await refreshAccessToken()
    vi.setSystemTime(Date.now() + (TTL_SECONDS + 3_600) * 1000)
    refreshIfDue()
    await flush()
    expect(server.calls).toBe(2)
    expect((await getAccessToken()).token).toBe('token-2')
  })

  // Seconds left on the token when it is asked for -> whether it is refreshed first.
  const margins: [secondsLeft: number, refreshes: boolean][] = [
    [600, false],
    [31, false],
    [30, true],
    [1, true],
    [0, true],
    [-3_600, true],
  ]
  for (const [secondsLeft, refreshes] of margins) {
    it(`${refreshes ? 'refreshes' : 'reuses'} the token when asked for it with ${secondsLeft} s left`, async () => {
      const server = fakeRefreshEndpoint()
      await refreshAccessToken()
      vi.setSystemTime(Date.now() + (TTL_SECONDS - secondsLeft) * 1000)
      const { token, expiresAtMs } = await getAccessToken()
      expect(token).toBe(refreshes ? 'token-2' : 'token-1')
      expect(expiresAtMs - Date.now()).toBeGreaterThan(30_000)
      expect(server.calls).toBe(refreshes ? 2 : 1)
    })
  }
})
