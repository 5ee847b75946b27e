import { ChatIdSchema, SocketQuerySchema } from '../../protocol/requests'
import { requireMember } from '../chats/membership'
import type { Config } from '../config'
import type { Db } from '../db/client'
import type { AuthUser, Env } from '../env'
import { parseInput } from '../input'
import { receiptsOffIn, RECEIPTS_OFF_HEADER } from './receipts'
import { forwardUpgrade, verifySocketRequest } from './socket-upgrade'
import { chooseSubprotocol } from './subprotocol'

/**
 * The worker decides who gets in: a WebSocket upgrade, an allowed Origin, a valid token from the
 * `token` query (browsers cannot set headers on a WebSocket) and membership. Only then is the
 * request handed to the chat's room, with the verified member in MEMBER_HEADER. `onVerified` hears
 * of the token's user as soon as it is verified (the request log's `user_id`, refused or not).
 */
export async function admitToRoom(
  env: Env,
  config: Config,
  db: Db,
  request: Request,
  rawChatId: string,
  onVerified: (user: AuthUser) => void = () => {},
): Promise<Response> {
  const chatId = parseInput(ChatIdSchema, rawChatId, { root: 'chat_id' })
  const subprotocol = chooseSubprotocol(request.headers.get('Sec-WebSocket-Protocol'))
  const { user, query } = await verifySocketRequest(config, request)
  onVerified(user)
  const sinceSeq = parseInput(SocketQuerySchema, { since: query.since }).since ?? null
  const [, receiptsOff] = await Promise.all([requireMember(db, chatId, user.id), receiptsOffIn(db, chatId)])
  // The room knows its chat by its name; it gets `since` and the protocol, never the token.
  const roomUrl = new URL('https://room.internal/connect')
  if (sinceSeq !== null) roomUrl.searchParams.set('since', String(sinceSeq))
  if (subprotocol !== null) roomUrl.searchParams.set('subprotocol', subprotocol)
  const stub = env.CHAT_ROOM.getByName(String(chatId))
  return forwardUpgrade(stub, roomUrl, request, user, subprotocol, { [RECEIPTS_OFF_HEADER]: JSON.stringify(receiptsOff) })
}
