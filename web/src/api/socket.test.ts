import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ClientFrame, ServerFrame } from '../../../protocol'
import { ApiError } from './errors'
import type { AccessToken } from './http'
import { singleFlight } from './single-flight'
import { RoomSocket, type RoomSocketOptions, type SocketLike } from './socket'

const TOKEN_TTL_MS = 15 * 60_000
const T0 = Date.UTC(2026, 0, 1)

/** Stands in for the browser's WebSocket: records what is sent and lets the test play the server. */
class FakeSocket implements SocketLike {
  static all: FakeSocket[] = []
  readyState = 0
  sent: ClientFrame[] = []
  url: URL
  /** The token the upgrade carried, and when (wall clock) it was made. */
  token: string | null
  createdAtMs: number
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  constructor(
    url: string,
    readonly protocols?: string[],
  ) {
    this.url = new URL(url, 'http://x')
    this.token = this.url.searchParams.get('token')
    this.createdAtMs = Date.now()
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
    const frame: ServerFrame = { type: 'ready', chat_id: 7, user_id: 1, last_seq: lastSeq, token_expires_at: '', reads: [] }
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  serverClose(code: number): void {
    this.readyState = 3
    this.onclose?.({ code })
  }
}

const nth = (i: number): FakeSocket => FakeSocket.all.at(i)!
const latest = (): FakeSocket => nth(-1)
// The connect path awaits the token, and a refresh awaits its round trip: a few macrotasks let
// every pending promise settle.
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}
/** The laptop sleeps: the wall clock moves on, timers don't run. */
const sleep = (ms: number) => vi.setSystemTime(Date.now() + ms)

/**
 * The token side as api/http.ts offers it: `refreshToken` is one shared flight; `failWith` makes
 * the next refreshes fail on the network or be refused (signed out, resolved as null).
 */
function makeAuth() {
  const issued = new Map<string, AccessToken>()
  const issue = (n: number): AccessToken => {
    const token = { token: `tok-${n}`, expiresAtMs: Date.now() + TOKEN_TTL_MS }
    issued.set(token.token, token)
    auth.current = token
    return token
  }
  const auth = {
    refreshes: 0,
    failWith: null as 'network' | 'signed-out' | null,
    issued,
    current: null as unknown as AccessToken,
    getToken: async (): Promise<AccessToken | null> => auth.current,
    refreshToken: singleFlight(async (): Promise<AccessToken | null> => {
      auth.refreshes++
      await new Promise((r) => setImmediate(r))
      if (auth.failWith === 'network') throw new ApiError('network', 'network error')
      if (auth.failWith === 'signed-out') return null
      return issue(auth.refreshes + 1)
    }),
  }
  issue(1)
  return auth
}
type Auth = ReturnType<typeof makeAuth>

function makeRoom(overrides: Partial<RoomSocketOptions> = {}, auth: Auth = makeAuth()) {
  const statuses: string[] = []
  const frames: ServerFrame[] = []
  const state = { since: 0, online: true }
  const room = new RoomSocket({
    chatId: 7,
    getSinceSeq: () => state.since,
    onFrame: (f) => frames.push(f),
    onStatus: (s, code) => statuses.push(code === undefined ? s : `${s}:${code}`),
    createSocket: (url, protocols) => new FakeSocket(url, protocols),
    getToken: () => auth.getToken(),
    refreshToken: () => auth.refreshToken(),
    isOnline: () => state.online,
    random: () => 0.5,
    ...overrides,
  })
  return { room, statuses, frames, state, auth }
}
type Ctx = ReturnType<typeof makeRoom>

async function openRoom(ctx: Pick<Ctx, 'room'>): Promise<void> {
  ctx.room.start()
  await flush()
  latest().ready()
}

/** Upgrades that used a token within 30 s of its expiry (by the wall clock at that moment). */
function upgradesWithStaleToken(auth: Auth): FakeSocket[] {
  return FakeSocket.all.filter((ws) => auth.issued.get(ws.token!)!.expiresAtMs - ws.createdAtMs <= 30_000)
}

function useFakeClock(): void {
  beforeEach(() => {
    FakeSocket.all = []
    // setImmediate stays real: flush() relies on it to let promises settle.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: T0 })
  })
  afterEach(() => {
    vi.restoreAllMocks()
    vi.useRealTimers()
  })
}

describe('RoomSocket', () => {
  useFakeClock()

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

  it('offers edge-chat.v2 before edge-chat.v1, and hands on a messages frame whole', async () => {
    const { room, frames } = makeRoom()
    await openRoom({ room })
    expect(latest().protocols).toEqual(['edge-chat.v2', 'edge-chat.v1'])
    const body = (seq: number) => ({ id: `m${seq}`, seq, chat_id: 7, sender: 'ann', sender_id: 2, message: `m ${seq}`, created_at: '', client_id: null, kind: 'message' as const, event: null, reply_to: null, edited_at: null, deleted: false, reactions: [], attachments: [] })
    const batch: ServerFrame = { type: 'messages', messages: [body(1), body(2)] }
    latest().onmessage?.({ data: JSON.stringify(batch) })
    expect(frames.at(-1)).toEqual(batch)
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
    const { room, auth } = makeRoom()
    room.start()
    await flush()
    latest().ready()
    latest().serverClose(4001)
    await flush()
    expect(auth.refreshes).toBe(1)
    expect(FakeSocket.all, 'no backoff wait').toHaveLength(2)
    expect(latest().url.searchParams.get('token')).toBe('tok-2')
    room.stop()
  })

  it('refreshes once when its session was revoked (4006), and stops for good when that refresh is refused', async () => {
    const { room, auth, statuses } = makeRoom()
    await openRoom({ room })
    auth.failWith = 'signed-out'
    latest().serverClose(4006)
    await flush()
    vi.advanceTimersByTime(60_000)
    await flush()
    expect(auth.refreshes).toBe(1)
    expect(FakeSocket.all, 'no upgrade with the revoked token').toHaveLength(1)
    expect(statuses.at(-1)).toBe('closed')
  })

  it.each([
    ['the user is no longer a member', 4003],
    ['the chat was deleted', 4004],
  ])('stops for good when %s (%i)', async (_case, code) => {
    const { room, statuses } = makeRoom()
    room.start()
    await flush()
    latest().ready()
    latest().serverClose(code)
    vi.advanceTimersByTime(60_000)
    await flush()
    expect(FakeSocket.all).toHaveLength(1)
    expect(statuses.at(-1)).toBe(`closed:${code}`)
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
    room.renewToken({ token: 'tok-9', expiresAtMs: Date.now() + TOKEN_TTL_MS })
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

describe('RoomSocket never upgrades with a stale token', () => {
  useFakeClock()

  // Each way a token goes stale under the socket: it refreshes once, then upgrades with the new one.
  const staleCases: { name: string; act: (ctx: Ctx) => Promise<void> }[] = [
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
        nth(0).serverClose(1006)
        vi.advanceTimersByTime(20_000)
        await flush()
      },
    },
    {
      name: 'the browser was offline across the refresh moment, then came back',
      act: async (ctx) => {
        await openRoom(ctx)
        ctx.state.online = false
        ctx.room.handleOffline()
        vi.advanceTimersByTime(TOKEN_TTL_MS + 60_000)
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
        nth(0).serverClose(1006)
        vi.advanceTimersByTime(20_000)
        await flush()
      },
    },
    {
      name: 'the room closed with 4001 (token expired)',
      act: async (ctx) => {
        await openRoom(ctx)
        nth(0).serverClose(4001)
        await flush()
      },
    },
    {
      name: 'the room closed with 4002 (token refused)',
      act: async (ctx) => {
        await openRoom(ctx)
        nth(0).serverClose(4002)
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
      expect(ctx.auth.refreshes).toBe(1)
      expect(latest().token).toBe('tok-2')
      expect(upgradesWithStaleToken(ctx.auth)).toEqual([])
      latest().ready()
      expect(ctx.statuses.at(-1)).toBe('open')
      expect(FakeSocket.all.filter((ws) => ws.readyState !== 3), 'one live socket').toHaveLength(1)
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
      vi.advanceTimersByTime(20_000)
      await flush()
    }
    expect(FakeSocket.all, 'no upgrade with the expired token').toHaveLength(0)
    expect(auth.refreshes).toBe(5)
    expect(statuses).not.toContain('closed')
    auth.failWith = null
    vi.advanceTimersByTime(20_000)
    await flush()
    expect(auth.refreshes).toBe(6)
    expect(FakeSocket.all.map((ws) => ws.token)).toEqual(['tok-7'])
    room.stop()
  })

  it('stops for good, without an upgrade, when the refresh is refused (signed out)', async () => {
    const { room, auth, statuses } = makeRoom()
    await openRoom({ room })
    auth.failWith = 'signed-out'
    nth(0).serverClose(4001)
    await flush()
    vi.advanceTimersByTime(60_000)
    await flush()
    expect(FakeSocket.all).toHaveLength(1)
    expect(auth.refreshes).toBe(1)
    expect(statuses.at(-1)).toBe('closed')
  })

  it('refreshes at most once while upgrades keep failing before ready (an outage looks the same)', async () => {
    const { room, auth } = makeRoom()
    room.start()
    await flush()
    for (let i = 0; i < 4; i++) {
      latest().serverClose(1006)
      vi.advanceTimersByTime(20_000)
      await flush()
    }
    expect(auth.refreshes).toBe(1)
    expect(FakeSocket.all.map((ws) => ws.token)).toEqual(['tok-1', 'tok-2', 'tok-2', 'tok-2', 'tok-2'])
    room.stop()
  })

  it('shares one refresh between two rooms whose tokens went stale together', async () => {
    const auth = makeAuth()
    const a = makeRoom({}, auth)
    const b = makeRoom({}, auth)
    await openRoom(a)
    await openRoom(b)
    sleep(TOKEN_TTL_MS + 60_000)
    nth(0).serverClose(4001)
    nth(1).serverClose(1006)
    vi.advanceTimersByTime(20_000)
    await flush()
    expect(auth.refreshes).toBe(1)
    expect(FakeSocket.all.slice(2).map((ws) => ws.token)).toEqual(['tok-2', 'tok-2'])
    a.room.stop()
    b.room.stop()
  })

  it('sends a token renewed while connecting as an auth frame once the room is ready', async () => {
    const { room } = makeRoom()
    room.start()
    await flush()
    room.renewToken({ token: 'tok-9', expiresAtMs: Date.now() + TOKEN_TTL_MS + 1 })
    expect(nth(0).sent).toEqual([])
    nth(0).ready()
    expect(nth(0).sent).toEqual([{ type: 'auth', token: 'tok-9' }])
    room.stop()
  })
})
