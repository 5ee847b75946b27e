import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import { importTs } from './import-ts.mjs'

const http = await importTs('../src/api/http.ts')

const TTL_SECONDS = 900
const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

/** /refresh/ as the worker answers it; `mode` makes it fail on the network or refuse the cookie. */
function fakeRefreshEndpoint() {
  const server = { mode: 'ok', calls: 0, issued: 0 }
  globalThis.fetch = async (path) => {
    assert.equal(path, '/refresh/')
    server.calls++
    await new Promise((r) => setImmediate(r))
    if (server.mode === 'offline') throw new TypeError('Failed to fetch')
    if (server.mode === 'refused') return json(401, { error: { code: 'invalid_token', message: 'x' } })
    server.issued++
    return json(200, { access_token: `token-${server.issued}`, token_type: 'Bearer', expires_in: TTL_SECONDS, user: { userid: 1, username: 'ann', email: 'a@x' } })
  }
  return server
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}

describe('access token upkeep (api/http.ts)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.UTC(2026, 0, 1) }))
  afterEach(() => {
    http.clearAccessToken()
    mock.timers.reset()
  })

  it('retries the early refresh with backoff after it failed offline, until it succeeds', async () => {
    const server = fakeRefreshEndpoint()
    await http.refreshAccessToken()
    server.mode = 'offline'
    mock.timers.tick((TTL_SECONDS - 60) * 1000)
    await flush()
    assert.equal(server.calls, 2, 'the early refresh ran a minute before expiry')
    for (let i = 0; i < 3; i++) {
      mock.timers.tick(15_000)
      await flush()
    }
    assert.equal(server.calls, 5, 'and was retried after each failure')
    server.mode = 'ok'
    mock.timers.tick(15_000)
    await flush()
    assert.equal((await http.getAccessToken()).token, 'token-2')
    mock.timers.tick(15_000)
    await flush()
    assert.equal(server.calls, 6, 'no retries once it succeeded')
  })

  it('stops retrying and ends the session when /refresh/ refuses the cookie', async () => {
    const server = fakeRefreshEndpoint()
    await http.refreshAccessToken()
    let ended = 0
    const stop = http.onSessionEnd(() => ended++)
    server.mode = 'refused'
    mock.timers.tick(TTL_SECONDS * 1000)
    await flush()
    mock.timers.tick(60_000)
    await flush()
    stop()
    assert.equal(server.calls, 2)
    assert.equal(ended, 1)
  })

  it('refreshes on a wake check when the wall clock passed the refresh moment though no timer ran', async () => {
    const server = fakeRefreshEndpoint()
    await http.refreshAccessToken()
    mock.timers.setTime(Date.now() + (TTL_SECONDS + 3_600) * 1000)
    http.refreshIfDue()
    await flush()
    assert.equal(server.calls, 2)
    assert.equal((await http.getAccessToken()).token, 'token-2')
  })

  // Seconds left on the token when it is asked for -> whether it is refreshed first.
  const margins = [
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
      await http.refreshAccessToken()
      mock.timers.setTime(Date.now() + (TTL_SECONDS - secondsLeft) * 1000)
      const { token, expiresAtMs } = await http.getAccessToken()
      assert.equal(token, refreshes ? 'token-2' : 'token-1')
      assert.ok(expiresAtMs - Date.now() > 30_000)
      assert.equal(server.calls, refreshes ? 2 : 1)
    })
  }
})
