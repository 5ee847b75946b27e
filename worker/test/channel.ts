import { CHANNEL_SUBPROTOCOL, type ChannelServerFrame } from '../../protocol/channel'
import { PATHS } from '../../protocol/http'
import { ORIGIN, upgrade } from './helpers'

/** A live channel (GET /ws/me/) recording every frame from the first one on. */
export interface TestChannel {
  ws: WebSocket
  frames: ChannelServerFrame[]
  /** The first frame, already received or still to come, matching `predicate`; rejects after `timeoutMs`. */
  waitFor<T extends ChannelServerFrame = ChannelServerFrame>(predicate: (frame: ChannelServerFrame) => boolean, timeoutMs?: number): Promise<T>
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>
  /**
   * Round trip: a ping the hub itself answers (not the runtime's automatic reply, whose bytes differ),
   * so every frame the hub sent before has arrived when it resolves.
   */
  sync(): Promise<void>
}

export function channelPath(token: string): string {
  return `${PATHS.meSocket}?${new URLSearchParams({ token })}`
}

export function upgradeChannel(token: string, headers: Record<string, string> = {}): Promise<Response> {
  return upgrade(channelPath(token), { Origin: ORIGIN, 'Sec-WebSocket-Protocol': CHANNEL_SUBPROTOCOL, ...headers })
}

export async function openChannel(token: string): Promise<TestChannel> {
  const res = await upgradeChannel(token)
  if (res.status !== 101 || !res.webSocket) throw new Error(`channel refused: ${res.status} ${await res.text()}`)
  const ws = res.webSocket
  const frames: ChannelServerFrame[] = []
  const waiters = new Set<() => void>()
  ws.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') return
    frames.push(JSON.parse(event.data) as ChannelServerFrame)
    for (const wake of waiters) wake()
  })
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (event) => resolve(event.code)))
  ws.accept()
  function waitFor<T extends ChannelServerFrame>(predicate: (frame: ChannelServerFrame) => boolean, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = frames.find(predicate)
        if (!found) return
        clearTimeout(timer)
        waiters.delete(check)
        resolve(found as T)
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`no matching frame within ${timeoutMs} ms (${predicate.toString()}); got ${JSON.stringify(frames)}`))
      }, timeoutMs)
      waiters.add(check)
      check()
    })
  }
  async function sync(): Promise<void> {
    const pongs = frames.filter((f) => f.type === 'pong').length
    ws.send('{ "type": "ping" }')
    await waitFor(() => frames.filter((f) => f.type === 'pong').length > pongs)
  }
  await waitFor((f) => f.type === 'ready')
  return { ws, frames, waitFor, closed, sync }
}
