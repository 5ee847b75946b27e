import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { importTs } from './import-ts.mjs'

const { singleFlight } = await importTs('../src/api/single-flight.ts')
const http = await importTs('../src/api/http.ts')

describe('singleFlight', () => {
  it('shares one run between concurrent callers', async () => {
    let runs = 0
    const task = singleFlight(async () => {
      runs++
      await new Promise((r) => setImmediate(r))
      return runs
    })
    const results = await Promise.all([task(), task(), task()])
    assert.deepEqual(results, [1, 1, 1])
    assert.equal(runs, 1)
  })

  it('runs again once the previous run has settled, also after a failure', async () => {
    let runs = 0
    const task = singleFlight(async () => {
      runs++
      if (runs === 1) throw new Error('first fails')
      return runs
    })
    await assert.rejects(task(), /first fails/)
    assert.equal(await task(), 2)
  })
})

/** A fake server: protected paths accept only `token-N` for the newest N; /refresh/ issues the next one. */
function fakeServer() {
  const calls = { refresh: 0, api: 0 }
  let current = 0
  const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
  globalThis.fetch = async (path, init) => {
    await new Promise((r) => setImmediate(r))
    if (path === '/refresh/') {
      calls.refresh++
      current++
      return json(200, { access_token: `token-${current}`, token_type: 'Bearer', expires_in: 900, user: { userid: 1, username: 'ann', email: 'a@x' } })
    }
    calls.api++
    const auth = init.headers.Authorization
    if (auth !== `Bearer token-${current}`) return json(401, { error: { code: 'token_expired', message: 'expired' } })
    return json(200, { ok: true, path })
  }
  return { calls, expireAll: () => current++ }
}

describe('request (api/http.ts)', () => {
  afterEach(() => http.clearAccessToken())

  it('refreshes once for many requests that meet an expired token together, then retries each once', async () => {
    const server = fakeServer()
    await http.refreshAccessToken()
    server.expireAll()
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => http.request('GET', `/chat/${n}/history/`)))
    assert.equal(server.calls.refresh, 2, 'one refresh to start, one for the whole burst')
    assert.equal(server.calls.api, 10, 'each request: the refused try and one retry')
    assert.deepEqual(results.map((r) => r.ok), [true, true, true, true, true])
  })

  it('gets a token first when it has none, without a refused request', async () => {
    const server = fakeServer()
    await http.request('GET', '/chat/list/')
    assert.equal(server.calls.refresh, 1)
    assert.equal(server.calls.api, 1)
  })

  it('turns a network failure into a `network` error', async () => {
    globalThis.fetch = async () => {
      throw new TypeError('Failed to fetch')
    }
    await assert.rejects(http.request('GET', '/chat/list/', { auth: false }), (err) => err.code === 'network')
  })

  it('ends the session when the refresh cookie is refused', async () => {
    globalThis.fetch = async () => new Response(JSON.stringify({ error: { code: 'invalid_token', message: 'x' } }), { status: 401 })
    let ended = 0
    const stop = http.onSessionEnd(() => ended++)
    await assert.rejects(http.refreshAccessToken(), (err) => err.code === 'invalid_token')
    stop()
    assert.equal(ended, 1)
  })
})
