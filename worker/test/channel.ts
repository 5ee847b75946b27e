import type { ChannelServerFrame } from '../../protocol/channel'
import { SUBPROTOCOL } from '../../protocol/socket'
import { PATHS } from '../../protocol/http'
import { ORIGIN, recordSocket, upgrade } from './helpers'

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
  return upgrade(channelPath(token), { Origin: ORIGIN, 'Sec-WebSocket-Protocol': SUBPROTOCOL, ...headers })
}

export async function openChannel(token: string): Promise<TestChannel> {
  const socket = await recordSocket<ChannelServerFrame>(await upgradeChannel(token))
  const { ws, frames, waitFor } = socket
  async function sync(): Promise<void> {
    const pongs = frames.filter((f) => f.type === 'pong').length
    ws.send('{ "type": "ping" }')
    await waitFor(() => frames.filter((f) => f.type === 'pong').length > pongs)
  }
  await waitFor((f) => f.type === 'ready')
  return { ws, frames, waitFor, closed: socket.closed, sync }
}
