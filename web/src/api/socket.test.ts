import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ClientFrame, ServerFrame } from '../../../protocol'
import { RoomSocket, type RoomSocketOptions, type SocketLike } from './socket'

/** Stands in for the browser's WebSocket: records what is sent and lets the test play the server. */
class FakeSocket implements SocketLike {
  static all: FakeSocket[] = []
  readyState = 0
  sent: ClientFrame[] = []
  url: URL
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  constructor(url: string) {
    this.url = new URL(url, 'http://x')
    FakeSocket.all.push(this)
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientFrame)
  }
  close(code = 1005): void {
    this.serverClose(code)
  }
  ready(lastSeq = 0): void {
    this.readyState = 1
    const frame: ServerFrame = { type: 'ready', chat_id: 7, user_id: 1, last_seq: lastSeq, token_expires_at: '' }
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  serverClose(code: number): void {
    this.readyState = 3
    this.onclose?.({ code })
  }
}

const latest = (): FakeSocket => FakeSocket.all.at(-1)!
// The connect path awaits the token: one macrotask lets every pending promise settle.
const flush = () => new Promise((r) => setImmediate(r))

function makeRoom(overrides: Partial<RoomSocketOptions> = {}) {
  const statuses: string[] = []
  const frames: ServerFrame[] = []
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
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
  })
  afterEach(() => {
    vi.restoreAllMocks()
    vi.useRealTimers()
  })

  it('connects with the token and the last seq seen', async () => {
    const { room, statuses, state } = makeRoom()
    state.since = 12
    room.start()
    await flush()
    const ws = latest()
    expect(ws.url.pathname).toBe('/ws/chat/7/')
    expect(ws.url.searchParams.get('token')).toBe('tok-1')
    expect(ws.url.searchParams.get('since')).toBe('12')
    ws.ready(12)
    expect(statuses).toEqual(['connecting', 'open'])
    room.stop()
  })

  it('reconnects after a drop, resuming from the newest seq seen by then', async () => {
    const { room, statuses, state } = makeRoom()
    room.start()
    await flush()
    latest().ready()
    state.since = 40
    latest().serverClose(1006)
    expect(FakeSocket.all, 'waits for the backoff first').toHaveLength(1)
    vi.advanceTimersByTime(20_000)
    await flush()
    expect(FakeSocket.all).toHaveLength(2)
    expect(latest().url.searchParams.get('since')).toBe('40')
    latest().ready(40)
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting:1006', 'open'])
    room.stop()
  })

  it('backs off longer after each failed attempt and resets once connected', async () => {
    const { room } = makeRoom({ random: () => 1 })
    const timers = vi.spyOn(globalThis, 'setTimeout')
    room.start()
    await flush()
    for (let i = 0; i < 3; i++) {
      latest().serverClose(1006)
      vi.advanceTimersByTime(60_000)
      await flush()
    }
    latest().ready()
    latest().serverClose(1006)
    expect(timers.mock.calls.map(([, ms]) => ms)).toEqual([500, 1000, 2000, 500])
    room.stop()
  })

  it('refreshes the token and reconnects at once when the room closes with 4001', async () => {
    const { room, state } = makeRoom()
    room.start()
    await flush()
    latest().ready()
    latest().serverClose(4001)
    await flush()
    expect(state.refreshes).toBe(1)
    expect(FakeSocket.all, 'no backoff wait').toHaveLength(2)
    expect(latest().url.searchParams.get('token')).toBe('tok-2')
    room.stop()
  })

  it('stops for good when the user is no longer a member (4003)', async () => {
    const { room, statuses } = makeRoom()
    room.start()
    await flush()
    latest().ready()
    latest().serverClose(4003)
    vi.advanceTimersByTime(60_000)
    await flush()
    expect(FakeSocket.all).toHaveLength(1)
    expect(statuses.at(-1)).toBe('closed:4003')
  })

  it('waits while offline and reconnects as soon as the browser is back online', async () => {
    const { room, statuses, state } = makeRoom()
    room.start()
    await flush()
    latest().ready()
    state.online = false
    room.handleOffline()
    vi.advanceTimersByTime(60_000)
    await flush()
    expect(FakeSocket.all).toHaveLength(1)
    expect(statuses.at(-1)).toBe('offline:1000')
    state.online = true
    room.handleOnline()
    await flush()
    expect(FakeSocket.all).toHaveLength(2)
    room.stop()
  })

  it('sends only once the room said ready, and renews auth in place', async () => {
    const { room } = makeRoom()
    room.start()
    await flush()
    const ws = latest()
    expect(room.send({ type: 'typing' })).toBe(false)
    ws.ready()
    expect(room.send({ type: 'typing' })).toBe(true)
    room.renewToken('tok-9')
    expect(ws.sent).toEqual([{ type: 'typing' }, { type: 'auth', token: 'tok-9' }])
    room.stop()
  })

  it('closes a connection that stops answering pings, then reconnects', async () => {
    const { room } = makeRoom({ pingIntervalMs: 1_000 })
    room.start()
    await flush()
    latest().ready()
    vi.advanceTimersByTime(1_000)
    expect(latest().sent).toEqual([{ type: 'ping' }])
    vi.advanceTimersByTime(10_000)
    vi.advanceTimersByTime(20_000)
    await flush()
    expect(FakeSocket.all).toHaveLength(2)
    room.stop()
  })
})
