import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ChannelServerFrame, ChatListItem } from '../../../protocol'
import type { AccessToken } from './http'
import type { SocketLike } from './live-socket'
import { singleFlight } from './single-flight'
import { UserChannel } from './user-channel'

const TOKEN_TTL_MS = 15 * 60_000

/** Stands in for the browser's WebSocket: records the upgrade and what is sent; the test plays the server. */
class FakeSocket implements SocketLike {
  static all: FakeSocket[] = []
  readyState = 0
  sent: unknown[] = []
  url: URL
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  constructor(
    url: string,
    readonly protocols: string[] | undefined,
  ) {
    this.url = new URL(url, 'http://x')
    FakeSocket.all.push(this)
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }
  close(code = 1005): void {
    this.serverClose(code)
  }
  play(frame: ChannelServerFrame): void {
    if (frame.type === 'ready') this.readyState = 1
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  serverClose(code: number): void {
    this.readyState = 3
    this.onclose?.({ code })
  }
}

const latest = () => FakeSocket.all.at(-1)!
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}
const row = (chatId: number, unread = 0): ChatListItem => ({
  chat_id: chatId,
  is_group: true,
  name: `g${chatId}`,
  visibility: 'public',
  role: 'member',
  peer: null,
  last_message: null,
  last_activity_at: '2026-11-29T10:00:00.000Z',
  unread_count: unread,
})
const READY: ChannelServerFrame = { type: 'ready', user_id: 1, token_expires_at: '2026-11-29T10:15:00.000Z' }

function makeChannel() {
  let issued = 0
  const issue = (): AccessToken => ({ token: `tok-${++issued}`, expiresAtMs: Date.now() + TOKEN_TTL_MS })
  const auth = { current: issue(), refreshes: 0 }
  const frames: ChannelServerFrame[] = []
  const statuses: string[] = []
  const channel = new UserChannel({
    onFrame: (f) => frames.push(f),
    onStatus: (s, code) => statuses.push(code === undefined ? s : `${s}:${code}`),
    createSocket: (url, protocols) => new FakeSocket(url, protocols),
    getToken: async () => auth.current,
    refreshToken: singleFlight(async () => {
      auth.refreshes++
      return (auth.current = issue())
    }),
    isOnline: () => true,
    random: () => 0.5,
  })
  return { channel, frames, statuses, auth }
}

describe('UserChannel', () => {
  beforeEach(() => {
    FakeSocket.all = []
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: Date.UTC(2026, 10, 29, 10) })
  })
  afterEach(() => vi.useRealTimers())

  it('opens /ws/me/ with the token only, offering the edge-chat.v1 subprotocol', async () => {
    const { channel, statuses } = makeChannel()
    channel.start()
    await flush()
    expect(latest().url.pathname).toBe('/ws/me/')
    expect([...latest().url.searchParams.keys()]).toEqual(['token'])
    expect(latest().url.searchParams.get('token')).toBe('tok-1')
    expect(latest().protocols).toEqual(['edge-chat.v1'])
    latest().play(READY)
    expect(statuses).toEqual(['connecting', 'open'])
    channel.stop()
  })

  // What the server sends, and what the app is handed: every frame once, in the server's order.
  const sequences: { name: string; frames: ChannelServerFrame[] }[] = [
    { name: 'ready, then who is online', frames: [READY, { type: 'presence', user_id: 2, online: true, last_seen_at: null }, { type: 'presence', user_id: 3, online: true, last_seen_at: null }] },
    { name: 'a new chat, a message in it, then its removal', frames: [READY, { type: 'chat', chat: row(7, 0) }, { type: 'chat', chat: row(7, 1) }, { type: 'chat_removed', chat_id: 7 }] },
    { name: 'a removal, then the same chat again (re-added)', frames: [READY, { type: 'chat_removed', chat_id: 7 }, { type: 'chat', chat: row(7) }] },
    { name: 'someone going offline', frames: [READY, { type: 'presence', user_id: 2, online: false, last_seen_at: '2026-11-29T10:00:00.000Z' }] },
  ]
  for (const { name, frames: played } of sequences) {
    it(`hands over ${name} in order`, async () => {
      const { channel, frames } = makeChannel()
      channel.start()
      await flush()
      for (const frame of played) latest().play(frame)
      expect(frames).toEqual(played)
      channel.stop()
    })
  }

  it('reconnects after a drop and says open again, which is when the app reloads the list', async () => {
    const { channel, statuses } = makeChannel()
    channel.start()
    await flush()
    latest().play(READY)
    latest().serverClose(1006)
    expect(FakeSocket.all, 'waits for the backoff first').toHaveLength(1)
    vi.advanceTimersByTime(20_000)
    await flush()
    expect(FakeSocket.all).toHaveLength(2)
    latest().play(READY)
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting:1006', 'open'])
    channel.stop()
  })

  it('refreshes and reconnects at once when the token expired (4001)', async () => {
    const { channel, auth } = makeChannel()
    channel.start()
    await flush()
    latest().play(READY)
    latest().serverClose(4001)
    await flush()
    expect(auth.refreshes).toBe(1)
    expect(FakeSocket.all.map((ws) => ws.url.searchParams.get('token'))).toEqual(['tok-1', 'tok-2'])
    channel.stop()
  })

  it('never opens with a token about to expire', async () => {
    const { channel, auth } = makeChannel()
    auth.current.expiresAtMs = Date.now() + 10_000
    channel.start()
    await flush()
    expect(auth.refreshes).toBe(1)
    expect(latest().url.searchParams.get('token')).toBe('tok-2')
    channel.stop()
  })

  it('renews the token in place with an auth frame', async () => {
    const { channel } = makeChannel()
    channel.start()
    await flush()
    latest().play(READY)
    channel.renewToken({ token: 'tok-9', expiresAtMs: Date.now() + TOKEN_TTL_MS })
    expect(latest().sent).toEqual([{ type: 'auth', token: 'tok-9' }])
    channel.stop()
  })

  it('pings every 25 s, the exact bytes the server answers without waking, and reconnects when no pong comes', async () => {
    const { channel } = makeChannel()
    channel.start()
    await flush()
    const ws = latest()
    ws.play(READY)
    vi.advanceTimersByTime(25_000)
    expect(ws.sent).toEqual([{ type: 'ping' }])
    ws.play({ type: 'pong' })
    vi.advanceTimersByTime(25_000)
    expect(ws.sent).toHaveLength(2)
    vi.advanceTimersByTime(10_000 + 20_000)
    await flush()
    expect(FakeSocket.all).toHaveLength(2)
    channel.stop()
  })

  it('closes with 1000 on stop, so the server marks the user offline at once, and never reconnects', async () => {
    const { channel } = makeChannel()
    channel.start()
    await flush()
    const ws = latest()
    const close = vi.spyOn(ws, 'close')
    ws.play(READY)
    channel.stop()
    expect(close).toHaveBeenCalledWith(1000)
    vi.advanceTimersByTime(60_000)
    await flush()
    expect(FakeSocket.all).toHaveLength(1)
  })
})
