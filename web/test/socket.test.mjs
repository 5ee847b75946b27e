import assert from 'node:assert/strict'
import { beforeEach, afterEach, describe, it, mock } from 'node:test'
import { importTs } from './import-ts.mjs'

const { RoomSocket } = await importTs('../src/api/socket.ts')
const { singleFlight } = await importTs('../src/api/single-flight.ts')

const TOKEN_TTL_MS = 15 * 60_000
const T0 = Date.UTC(2026, 0, 1)

class FakeSocket {
  static all = []
  readyState = 0
  sent = []
  onopen = null
  onmessage = null
  onclose = null
  onerror = null
  constructor(url) {
    this.url = new URL(url, 'http://x')
    this.token = this.url.searchParams.get('token')
    this.createdAtMs = Date.now()
    FakeSocket.all.push(this)
  }
  send(data) {
    this.sent.push(JSON.parse(data))
  }
  close(code = 1005) {
    this.serverClose(code)
  }
  ready(lastSeq = 0) {
    this.readyState = 1
    this.onmessage?.({ data: JSON.stringify({ type: 'ready', chat_id: 7, user_id: 1, last_seq: lastSeq, token_expires_at: '' }) })
  }
  serverClose(code) {
    this.readyState = 3
    this.onclose?.({ code })
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}
/** The laptop sleeps: the wall clock moves on, timers don't run. */
const sleep = (ms) => mock.timers.setTime(Date.now() + ms)

/**
 * The token side as api/http.ts offers it: `refreshToken` is one shared flight; `failWith` makes
 * the next refreshes fail on the network or be refused (signed out, resolved as null).
 */
function makeAuth() {
  const auth = { refreshes: 0, failWith: null, issued: new Map(), current: null }
  const issue = (n) => {
    auth.current = { token: `tok-${n}`, expiresAtMs: Date.now() + TOKEN_TTL_MS }
    auth.issued.set(auth.current.token, auth.current)
    return auth.current
  }
  issue(1)
  auth.getToken = async () => auth.current
  auth.refreshToken = singleFlight(async () => {
    auth.refreshes++
    await new Promise((r) => setImmediate(r))
    if (auth.failWith === 'network') throw Object.assign(new Error('network error'), { code: 'network' })
    if (auth.failWith === 'signed-out') return null
    return issue(auth.refreshes + 1)
  })
  return auth
}

function makeRoom(overrides = {}, auth = makeAuth()) {
  const statuses = []
  const frames = []
  const state = { since: 0, online: true, auth }
  const room = new RoomSocket({
    chatId: 7,
    getSinceSeq: () => state.since,
    onFrame: (f) => frames.push(f),
    onStatus: (s, code) => statuses.push(code === undefined ? s : `${s}:${code}`),
    createSocket: (url) => new FakeSocket(url),
    getToken: () => auth.getToken(),
    refreshToken: () => auth.refreshToken(),
    isOnline: () => state.online,
    random: () => 0.5,
    ...overrides,
  })
  return { room, statuses, frames, state, auth }
}

async function openRoom(ctx) {
  ctx.room.start()
  await flush()
  FakeSocket.all.at(-1).ready()
}

/** Upgrades that used a token within 30 s of its expiry (by the wall clock at that moment). */
function upgradesWithStaleToken(auth) {
  return FakeSocket.all.filter((ws) => auth.issued.get(ws.token).expiresAtMs - ws.createdAtMs <= 30_000)
}

describe('RoomSocket', () => {
  beforeEach(() => {
    FakeSocket.all = []
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: T0 })
  })
  afterEach(() => mock.timers.reset())

  it('connects with the token and the last seq seen', async () => {
    const { room, statuses, state } = makeRoom()
    state.since = 12
    room.start()
    await flush()
    const [ws] = FakeSocket.all
    assert.equal(ws.url.pathname, '/ws/chat/7/')
    assert.equal(ws.url.searchParams.get('token'), 'tok-1')
    assert.equal(ws.url.searchParams.get('since'), '12')
    ws.ready(12)
    assert.deepEqual(statuses, ['connecting', 'open'])
    room.stop()
  })

  it('reconnects after a drop, resuming from the newest seq seen by then', async () => {
    const { room, statuses, state } = makeRoom()
    room.start()
    await flush()
    FakeSocket.all[0].ready()
    state.since = 40
    FakeSocket.all[0].serverClose(1006)
    assert.equal(FakeSocket.all.length, 1, 'waits for the backoff first')
    mock.timers.tick(20_000)
    await flush()
    assert.equal(FakeSocket.all.length, 2)
    assert.equal(FakeSocket.all[1].url.searchParams.get('since'), '40')
    FakeSocket.all[1].ready(40)
    assert.deepEqual(statuses, ['connecting', 'open', 'reconnecting:1006', 'open'])
    room.stop()
  })

  it('backs off longer after each failed attempt and resets once connected', async () => {
    const delays = []
    const { room } = makeRoom({ random: () => 1 })
    const realSetTimeout = globalThis.setTimeout
    globalThis.setTimeout = (fn, ms) => (delays.push(ms), realSetTimeout(fn, ms))
    try {
      room.start()
      await flush()
      for (let i = 0; i < 3; i++) {
        FakeSocket.all.at(-1).serverClose(1006)
        mock.timers.tick(60_000)
        await flush()
      }
      FakeSocket.all.at(-1).ready()
      FakeSocket.all.at(-1).serverClose(1006)
    } finally {
      globalThis.setTimeout = realSetTimeout
    }
    assert.deepEqual(delays, [500, 1000, 2000, 500])
    room.stop()
  })

  it('refreshes the token and reconnects at once when the room closes with 4001', async () => {
    const { room, auth } = makeRoom()
    room.start()
    await flush()
    FakeSocket.all[0].ready()
    FakeSocket.all[0].serverClose(4001)
    await flush()
    assert.equal(auth.refreshes, 1)
    assert.equal(FakeSocket.all.length, 2, 'no backoff wait')
    assert.equal(FakeSocket.all[1].url.searchParams.get('token'), 'tok-2')
    room.stop()
  })

  it('stops for good when the user is no longer a member (4003)', async () => {
    const { room, statuses } = makeRoom()
    room.start()
    await flush()
    FakeSocket.all[0].ready()
    FakeSocket.all[0].serverClose(4003)
    mock.timers.tick(60_000)
    await flush()
    assert.equal(FakeSocket.all.length, 1)
    assert.equal(statuses.at(-1), 'closed:4003')
  })

  it('waits while offline and reconnects as soon as the browser is back online', async () => {
    const { room, statuses, state } = makeRoom()
    room.start()
    await flush()
    FakeSocket.all[0].ready()
    state.online = false
    room.handleOffline()
    mock.timers.tick(60_000)
    await flush()
    assert.equal(FakeSocket.all.length, 1)
    assert.equal(statuses.at(-1), 'offline:1000')
    state.online = true
    room.handleOnline()
    await flush()
    assert.equal(FakeSocket.all.length, 2)
    room.stop()
  })

  it('sends only once the room said ready, and renews auth in place', async () => {
    const { room } = makeRoom()
    room.start()
    await flush()
    const ws = FakeSocket.all[0]
    assert.equal(room.send({ type: 'typing' }), false)
    ws.ready()
    assert.equal(room.send({ type: 'typing' }), true)
    room.renewToken({ token: 'tok-9', expiresAtMs: Date.now() + TOKEN_TTL_MS })
    assert.deepEqual(ws.sent, [{ type: 'typing' }, { type: 'auth', token: 'tok-9' }])
    room.stop()
  })

  it('closes a connection that stops answering pings, then reconnects', async () => {
    const { room } = makeRoom({ pingIntervalMs: 1_000 })
    room.start()
    await flush()
    FakeSocket.all[0].ready()
    mock.timers.tick(1_000)
    assert.deepEqual(FakeSocket.all[0].sent, [{ type: 'ping' }])
    mock.timers.tick(10_000)
    mock.timers.tick(20_000)
    await flush()
    assert.equal(FakeSocket.all.length, 2)
    room.stop()
  })
})

describe('RoomSocket never upgrades with a stale token', () => {
  beforeEach(() => {
    FakeSocket.all = []
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: T0 })
  })
  afterEach(() => mock.timers.reset())

  // Each way a token goes stale under the socket: it refreshes once, then upgrades with the new one.
  const staleCases = [
    {
      name: 'the token is within 30 s of its expiry when the room opens',
      act: async ({ room, auth }) => {
        auth.current.expiresAtMs = Date.now() + 20_000
        room.start()
        await flush()
      },
    },
    {
      name: 'the laptop slept past expiry, then the socket dropped',
      act: async (ctx) => {
        await openRoom(ctx)
        sleep(TOKEN_TTL_MS + 60_000)
        FakeSocket.all[0].serverClose(1006)
        mock.timers.tick(20_000)
        await flush()
      },
    },
    {
      name: 'the browser was offline across the refresh moment, then came back',
      act: async (ctx) => {
        await openRoom(ctx)
        ctx.state.online = false
        ctx.room.handleOffline()
        mock.timers.tick(TOKEN_TTL_MS + 60_000)
        await flush()
        ctx.state.online = true
        ctx.room.handleOnline()
        await flush()
      },
    },
    {
      name: 'the upgrade closed before ready (how a 401 upgrade looks to a browser)',
      act: async ({ room }) => {
        room.start()
        await flush()
        FakeSocket.all[0].serverClose(1006)
        mock.timers.tick(20_000)
        await flush()
      },
    },
    {
      name: 'the room closed with 4001 (token expired)',
      act: async (ctx) => {
        await openRoom(ctx)
        FakeSocket.all[0].serverClose(4001)
        await flush()
      },
    },
    {
      name: 'the room closed with 4002 (token refused)',
      act: async (ctx) => {
        await openRoom(ctx)
        FakeSocket.all[0].serverClose(4002)
        await flush()
      },
    },
    {
      name: 'the page woke from sleep with an open socket whose token expired meanwhile',
      act: async (ctx) => {
        await openRoom(ctx)
        sleep(TOKEN_TTL_MS + 60_000)
        ctx.room.handleWake()
        await flush()
      },
    },
  ]
  for (const { name, act } of staleCases) {
    it(`refreshes once before connecting when ${name}`, async () => {
      const ctx = makeRoom()
      await act(ctx)
      assert.equal(ctx.auth.refreshes, 1)
      assert.equal(FakeSocket.all.at(-1).token, 'tok-2')
      assert.deepEqual(upgradesWithStaleToken(ctx.auth), [])
      FakeSocket.all.at(-1).ready()
      assert.equal(ctx.statuses.at(-1), 'open')
      assert.equal(FakeSocket.all.filter((ws) => ws.readyState !== 3).length, 1, 'one live socket')
      ctx.room.stop()
    })
  }

  it('retries a refresh that failed on the network with backoff, never upgrading meanwhile, and stays signed in', async () => {
    const { room, auth, statuses } = makeRoom()
    auth.current.expiresAtMs = Date.now() + 10_000
    auth.failWith = 'network'
    room.start()
    await flush()
    for (let i = 0; i < 4; i++) {
      mock.timers.tick(20_000)
      await flush()
    }
    assert.equal(FakeSocket.all.length, 0, 'no upgrade with the expired token')
    assert.equal(auth.refreshes, 5)
    assert.ok(!statuses.includes('closed'))
    auth.failWith = null
    mock.timers.tick(20_000)
    await flush()
    assert.equal(auth.refreshes, 6)
    assert.deepEqual(FakeSocket.all.map((ws) => ws.token), ['tok-7'])
    room.stop()
  })

  it('stops for good, without an upgrade, when the refresh is refused (signed out)', async () => {
    const { room, auth, statuses } = makeRoom()
    await openRoom({ room })
    auth.failWith = 'signed-out'
    FakeSocket.all[0].serverClose(4001)
    await flush()
    mock.timers.tick(60_000)
    await flush()
    assert.equal(FakeSocket.all.length, 1)
    assert.equal(auth.refreshes, 1)
    assert.equal(statuses.at(-1), 'closed')
  })

  it('refreshes at most once while upgrades keep failing before ready (an outage looks the same)', async () => {
    const { room, auth } = makeRoom()
    room.start()
    await flush()
    for (let i = 0; i < 4; i++) {
      FakeSocket.all.at(-1).serverClose(1006)
      mock.timers.tick(20_000)
      await flush()
    }
    assert.equal(auth.refreshes, 1)
    assert.deepEqual(FakeSocket.all.map((ws) => ws.token), ['tok-1', 'tok-2', 'tok-2', 'tok-2', 'tok-2'])
    room.stop()
  })

  it('shares one refresh between two rooms whose tokens went stale together', async () => {
    const auth = makeAuth()
    const a = makeRoom({}, auth)
    const b = makeRoom({}, auth)
    await openRoom(a)
    await openRoom(b)
    sleep(TOKEN_TTL_MS + 60_000)
    FakeSocket.all[0].serverClose(4001)
    FakeSocket.all[1].serverClose(1006)
    mock.timers.tick(20_000)
    await flush()
    assert.equal(auth.refreshes, 1)
    assert.deepEqual(FakeSocket.all.slice(2).map((ws) => ws.token), ['tok-2', 'tok-2'])
    a.room.stop()
    b.room.stop()
  })

  it('sends a token renewed while connecting as an auth frame once the room is ready', async () => {
    const { room } = makeRoom()
    room.start()
    await flush()
    room.renewToken({ token: 'tok-9', expiresAtMs: Date.now() + TOKEN_TTL_MS + 1 })
    assert.deepEqual(FakeSocket.all[0].sent, [])
    FakeSocket.all[0].ready()
    assert.deepEqual(FakeSocket.all[0].sent, [{ type: 'auth', token: 'tok-9' }])
    room.stop()
  })
})
