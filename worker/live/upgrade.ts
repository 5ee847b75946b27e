import { SUBPROTOCOL } from '../../protocol/socket'
import { verifyAccessToken } from '../auth/access-tokens'
import type { Config } from '../config'
import type { AuthUser, Env } from '../env'
import { AppError } from '../errors'
import { assertSameOrigin } from '../http/same-origin'
import { parseUrlencoded } from '../http/urlencoded'
import { encodeMember, MEMBER_HEADER } from '../rooms/member'
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
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new AppError('invalid_request', 'This path only accepts a WebSocket upgrade.')
  }
  // The same offer rules as a room socket, except that no offer is refused too: the channel has no seed client.
  if (chooseSubprotocol(request.headers.get('Sec-WebSocket-Protocol')) === null) {
    throw new AppError('invalid_request', `Offer the WebSocket subprotocol "${SUBPROTOCOL}".`)
  }
  // A cross-site page can open a WebSocket with the user's token if it has one; Origin is the only tell.
  assertSameOrigin(request.headers.get('Origin') ?? undefined, request.url, config.allowedOrigins)
  const { token } = parseUrlencoded(new URL(request.url).search.slice(1), 'The query')
  if (typeof token !== 'string' || !token) throw new AppError('missing_token', 'Add the access token as the `token` query parameter.')
  const user = await verifyAccessToken(config.jwtKey, token)
  onVerified(user)

  const headers = new Headers(request.headers)
  headers.delete(MEMBER_HEADER)
  headers.set(MEMBER_HEADER, encodeMember({ userId: user.id, username: user.username, tokenExpiresAtMs: user.expiresAt * 1000 }))
  // The hub never sees the token. It knows its user by its name.
  const res = await env.USER_HUB.getByName(String(user.id)).fetch(new Request('https://hub.internal/connect', { method: 'GET', headers }))
  const reply = new Response(res.body, { status: res.status, headers: res.headers, webSocket: res.webSocket })
  if (reply.status === 101) reply.headers.set('Sec-WebSocket-Protocol', SUBPROTOCOL)
  return reply
}
