import assert from 'node:assert/strict'
import { beforeEach, afterEach, describe, it, mock } from 'node:test'
import { importTs } from './import-ts.mjs'

const { RoomSocket } = await importTs('../src/api/socket.ts')

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

const flush = () => new Promise((r) => setImmediate(r))

function makeRoom(overrides = {}) {
  const statuses = []
  const frames = []
  const state = { since: 0, online: true, token: 'tok-1', refreshes: 0 }
  const room = new RoomSocket({
    chatId: 7,
    getSinceSeq: () => state.since,
    onFrame: (f) => frames.push(f),
    onStatus: (s, code) => statuses.push(code === undefined ? s : `${s}:${code}`),
    createSocket: (url) => new FakeSocket(url),
    getToken: async () => state.token,
    refreshToken: async () => {
      state.refreshes++
      state.token = `tok-${state.refreshes + 1}`
      return state.token
    },
    isOnline: () => state.online,
    random: () => 0.5,
    ...overrides,
  })
  return { room, statuses, frames, state }
}

describe('RoomSocket', () => {
  beforeEach(() => {
    FakeSocket.all = []
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
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
    const { room, state } = makeRoom()
    room.start()
    await flush()
    FakeSocket.all[0].ready()
    FakeSocket.all[0].serverClose(4001)
    await flush()
    await flush()
    assert.equal(state.refreshes, 1)
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
    room.renewToken('tok-9')
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
