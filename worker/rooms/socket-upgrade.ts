import { verifyAccessToken } from '../auth/access-tokens'
import type { Config } from '../config'
import type { AuthUser } from '../env'
import { AppError } from '../errors'
import { assertSameOrigin } from '../http/same-origin'
import { parseUrlencoded } from '../http/urlencoded'
import { encodeMember, MEMBER_HEADER } from './member'

/**
 * The checks every socket upgrade shares (room and live channel), in order: a WebSocket upgrade, an
 * allowed Origin (a cross-site page can open a WebSocket with the user's token if it has one; Origin
 * is the only tell), and a valid access token in the `token` query (browsers cannot set headers on a
 * WebSocket). Returns the verified user and the parsed query; throws AppError (400, 403, 401).
 */
export async function verifySocketRequest(config: Config, request: Request): Promise<{ user: AuthUser; query: Record<string, unknown> }> {
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new AppError('invalid_request', 'This path only accepts a WebSocket upgrade.')
  }
  assertSameOrigin(request.headers.get('Origin') ?? undefined, request.url, config.allowedOrigins)
  const query = parseUrlencoded(new URL(request.url).search.slice(1), 'The query')
  const token = typeof query.token === 'string' ? query.token : ''
  if (!token) throw new AppError('missing_token', 'Add the access token as the `token` query parameter.')
  return { user: await verifyAccessToken(config.jwtKey, token), query }
}

/**
 * Hands the upgrade to a Durable Object with the verified user in MEMBER_HEADER (a client's copy is
 * deleted first; the object never sees the token) and returns its answer with mutable headers, the
 * 101 naming `subprotocol` when one was chosen (RFC 6455 §4.1: the client fails the handshake otherwise).
 */
export async function forwardUpgrade(
  stub: { fetch(request: Request): Promise<Response> },
  url: URL,
  request: Request,
  user: AuthUser,
  subprotocol: string | null,
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  const headers = new Headers(request.headers)
  headers.delete(MEMBER_HEADER)
  for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value)
  headers.set(MEMBER_HEADER, encodeMember({ userId: user.id, username: user.username, tokenExpiresAtMs: user.expiresAt * 1000, sessionId: user.sessionId }))
  const res = await stub.fetch(new Request(url, { method: 'GET', headers }))
  // A stub's response has immutable headers; the app's header middleware must be able to add its own.
  const reply = new Response(res.body, { status: res.status, headers: res.headers, webSocket: res.webSocket })
  if (subprotocol !== null && reply.status === 101) reply.headers.set('Sec-WebSocket-Protocol', subprotocol)
  return reply
}
