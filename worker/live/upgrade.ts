import { SUBPROTOCOL } from '../../protocol/socket'
import type { Config } from '../config'
import type { AuthUser, Env } from '../env'
import { AppError } from '../errors'
import { forwardUpgrade, verifySocketRequest } from '../rooms/socket-upgrade'
import { chooseSubprotocol } from '../rooms/subprotocol'

/**
 * GET /ws/me/: the same checks as a room socket (`rooms/upgrade.ts`) minus membership: a WebSocket
 * upgrade, the `edge-chat.v1` subprotocol offered in `Sec-WebSocket-Protocol` (RFC 6455 §4.1: the
 * channel is new, so no client speaks it without; anything else is 400 `invalid_request`), an
 * allowed Origin, a valid token in the `token` query. The user's hub gets the verified user in
 * MEMBER_HEADER; the 101 selects the subprotocol. `onVerified` hears of the token's user as soon as
 * it is verified (the request log's `user_id`).
 */
export async function admitToChannel(env: Env, config: Config, request: Request, onVerified: (user: AuthUser) => void = () => {}): Promise<Response> {
  // The same offer rules as a room socket, but v1 only (no `messages` frame here), and no offer is
  // refused too: the channel has no seed client.
  if (chooseSubprotocol(request.headers.get('Sec-WebSocket-Protocol'), [SUBPROTOCOL]) === null) {
    throw new AppError('invalid_request', `Offer the WebSocket subprotocol "${SUBPROTOCOL}".`)
  }
  const { user } = await verifySocketRequest(config, request)
  onVerified(user)
  // The hub knows its user by its name.
  return forwardUpgrade(env.USER_HUB.getByName(String(user.id)), new URL('https://hub.internal/connect'), request, user, SUBPROTOCOL)
}
