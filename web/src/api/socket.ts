import { CLOSE_CODES, PATHS, ROOM_SUBPROTOCOLS, type ClientFrame, type ServerFrame } from '../../../protocol'
import { browserSocketOptions, runInBrowser } from './browser-socket'
import { LiveSocket, type LiveSocketOptions } from './live-socket'

export type { ConnectionStatus, SocketLike } from './live-socket'

export interface RoomSocketOptions extends Omit<LiveSocketOptions<ServerFrame>, 'url' | 'protocols' | 'finalCloseCodes'> {
  chatId: number
  /** The highest seq already shown; the server replays everything after it on (re)connect. */
  getSinceSeq(): number
}

/**
 * One chat's live connection (LiveSocket's reconnect and token rules), resuming from the last seq
 * it saw and stopping for good when the user is no longer a member (4003), the chat was deleted (4004) or the account was deleted (4005).
 */
export class RoomSocket extends LiveSocket<ServerFrame, ClientFrame> {
  constructor({ chatId, getSinceSeq, ...options }: RoomSocketOptions) {
    super({
      ...options,
      url: (token) => `${PATHS.chatSocket(chatId)}?${new URLSearchParams({ token, since: String(getSinceSeq()) })}`,
      // Asking for edge-chat.v2 (or v1) gets our frames; a socket without either is treated as the
      // seed's client. v2 first: the room then sends a commit of several messages as one `messages` frame.
      protocols: [...ROOM_SUBPROTOCOLS],
      finalCloseCodes: [CLOSE_CODES.notMember, CLOSE_CODES.chatDeleted, CLOSE_CODES.accountDeleted],
    })
  }
}

/** Opens a room socket on the API's origin (this page's by default), wired to the browser's online state and token renewals. */
export function connectRoom(
  options: Pick<RoomSocketOptions, 'chatId' | 'getSinceSeq' | 'onFrame' | 'onStatus'>,
): RoomConnection {
  const room = new RoomSocket({ ...options, ...browserSocketOptions() })
  const stop = runInBrowser(room)
  return { send: (frame) => room.send(frame), stop }
}

export interface RoomConnection {
  /** False when the room is not ready; the caller keeps the frame queued. */
  send(frame: ClientFrame): boolean
  stop(): void
}
