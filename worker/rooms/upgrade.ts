import { ChatIdSchema, SocketQuerySchema } from '../../protocol/requests'
import { verifyAccessToken } from '../auth/access-tokens'
import { requireMember } from '../chats/membership'
import type { Config } from '../config'
import type { Db } from '../db/client'
import type { Env } from '../env'
import { AppError } from '../errors'
import { assertSameOrigin } from '../http/same-origin'
import { parseInput } from '../input'
import { encodeMember, MEMBER_HEADER } from './member'
import { receiptsOffIn, RECEIPTS_OFF_HEADER } from './receipts'

/**
 * The worker decides who gets in: a WebSocket upgrade, an allowed Origin, a valid token from the
 * `token` query (browsers cannot set headers on a WebSocket) and membership. Only then is the
 * request handed to the chat's room, with the verified member in MEMBER_HEADER.
 */
export async function admitToRoom(env: Env, config: Config, db: Db, request: Request, rawChatId: string): Promise<Response> {
  const chatId = parseInput(ChatIdSchema, rawChatId, { root: 'chat_id' })
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new AppError('invalid_request', 'This path only accepts a WebSocket upgrade.')
  }
  // A cross-site page can open a WebSocket with the user's token if it has one; Origin is the only tell.
  assertSameOrigin(request.headers.get('Origin') ?? undefined, request.url, config.allowedOrigins)
  const url = new URL(request.url)
  const token = url.searchParams.get('token')
  if (!token) throw new AppError('missing_token', 'Add the access token as the `token` query parameter.')
  const sinceSeq = parseInput(SocketQuerySchema, { since: url.searchParams.get('since') ?? undefined }).since ?? null
  const user = await verifyAccessToken(config.jwtKey, token)
  const [, receiptsOff] = await Promise.all([requireMember(db, chatId, user.id), receiptsOffIn(db, chatId)])

  const headers = new Headers(request.headers)
  headers.delete(MEMBER_HEADER)
  headers.set(RECEIPTS_OFF_HEADER, JSON.stringify(receiptsOff))
  headers.set(MEMBER_HEADER, encodeMember({ userId: user.id, username: user.username, tokenExpiresAtMs: user.expiresAt * 1000 }))
  // The room never sees the token: only the member header and `since`. It knows its chat by its name.
  const roomUrl = new URL('https://room.internal/connect')
  if (sinceSeq !== null) roomUrl.searchParams.set('since', String(sinceSeq))
  const res = await env.CHAT_ROOM.getByName(String(chatId)).fetch(new Request(roomUrl, { method: 'GET', headers }))
  // A stub's response has immutable headers; the app's header middleware must be able to add its own.
  return new Response(res.body, { status: res.status, headers: res.headers, webSocket: res.webSocket })
}
