import { CHANNEL_SUBPROTOCOL } from '../../protocol/channel'
import { verifyAccessToken } from '../auth/access-tokens'
import type { Config } from '../config'
import type { Env } from '../env'
import { AppError } from '../errors'
import { assertSameOrigin } from '../http/same-origin'
import { encodeMember, MEMBER_HEADER } from '../rooms/member'

/**
 * GET /ws/me/: the same checks as a room socket (`rooms/upgrade.ts`) minus membership: a WebSocket
 * upgrade, the `edge-chat.v1` subprotocol offered in `Sec-WebSocket-Protocol` (RFC 6455 §4.1: the
 * channel is new, so no client speaks it without; anything else is 400 `invalid_request`), an
 * allowed Origin, a valid token in the `token` query. The user's hub gets the verified user in
 * MEMBER_HEADER; the 101 selects the subprotocol.
 */
export async function admitToChannel(env: Env, config: Config, request: Request): Promise<Response> {
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new AppError('invalid_request', 'This path only accepts a WebSocket upgrade.')
  }
  const offers = (request.headers.get('Sec-WebSocket-Protocol') ?? '').split(',').map((name) => name.trim())
  if (!offers.includes(CHANNEL_SUBPROTOCOL)) {
    throw new AppError('invalid_request', `Offer the WebSocket subprotocol "${CHANNEL_SUBPROTOCOL}".`)
  }
  // A cross-site page can open a WebSocket with the user's token if it has one; Origin is the only tell.
  assertSameOrigin(request.headers.get('Origin') ?? undefined, request.url, config.allowedOrigins)
  const token = new URL(request.url).searchParams.get('token')
  if (!token) throw new AppError('missing_token', 'Add the access token as the `token` query parameter.')
  const user = await verifyAccessToken(config.jwtKey, token)

  const headers = new Headers(request.headers)
  headers.delete(MEMBER_HEADER)
  headers.set(MEMBER_HEADER, encodeMember({ userId: user.id, username: user.username, tokenExpiresAtMs: user.expiresAt * 1000 }))
  // The hub never sees the token. It knows its user by its name.
  const res = await env.USER_HUB.getByName(String(user.id)).fetch(new Request('https://hub.internal/connect', { method: 'GET', headers }))
  const reply = new Response(res.body, { status: res.status, headers: res.headers, webSocket: res.webSocket })
  if (reply.status === 101) reply.headers.set('Sec-WebSocket-Protocol', CHANNEL_SUBPROTOCOL)
  return reply
}
