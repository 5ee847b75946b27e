import { ROOM_SUBPROTOCOLS, type RoomSubprotocol } from '../../protocol/socket'
import { AppError } from '../errors'

/**
 * The subprotocol a WebSocket upgrade gets, from its `Sec-WebSocket-Protocol` header: a
 * comma-separated list of names in the client's order of preference (RFC 6455 §4.1, §11.3.4).
 * - offers names of `supported` (a room's: `edge-chat.v2`, `edge-chat.v1`): the first of them in the
 *   client's list, selected in the 101 response. The client's order decides, not ours: §4.1 has the
 *   server pick from the client's preference, and a client lists v2 only if it handles `messages`;
 * - offers nothing (no header, or only empty elements, which RFC 9110 §5.6.1 says to ignore): null,
 *   a client of the seed's API, which never asked for one;
 * - offers only names we do not speak: 400 `invalid_request`. A browser fails a handshake whose
 *   response selects none of its offers anyway, so refusing says why instead of a silent failure.
 * Names are compared exactly: they are tokens, and RFC 6455 gives them no case folding.
 */
export function chooseSubprotocol(header: string | null): RoomSubprotocol | null
export function chooseSubprotocol<T extends string>(header: string | null, supported: readonly T[]): T | null
export function chooseSubprotocol(header: string | null, supported: readonly string[] = ROOM_SUBPROTOCOLS): string | null {
  if (header === null) return null
  const offers = header
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
  if (offers.length === 0) return null
  const chosen = offers.find((name) => supported.includes(name))
  if (chosen !== undefined) return chosen
  throw new AppError('invalid_request', `Unsupported WebSocket subprotocol: offer ${supported.map((name) => `"${name}"`).join(' or ')}.`)
}
