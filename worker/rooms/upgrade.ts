import { ChatIdSchema, SocketQuerySchema } from '../../protocol/requests'
import type { Config } from '../config'
import type { AuthUser, Env } from '../env'
import { parseInput } from '../input'
import { parseShardName, SHARD_HEADER, SHARD_REDIRECT_STATUS, shardName } from './shard/plan'
import { forwardUpgrade, verifySocketRequest } from './socket-upgrade'
import { chooseSubprotocol } from './subprotocol'

/**
 * Who gets in: the worker checks a WebSocket upgrade, an allowed Origin and a valid token from the
 * `token` query (browsers cannot set headers on a WebSocket), then hands the request to the chat's
 * room with the verified member in MEMBER_HEADER; the room, the authority for its member set
 * (`object/members.ts`), answers 404 `not_found`, 403 `not_member` or the 101, or for a sharded group
 * names the member's fan-out shard, which takes the socket (`shard/`). No D1 query on this
 * path (issue #16). `onVerified` hears of the token's user as soon as it is verified (the request
 * log's `user_id`, refused or not).
 */
export async function admitToRoom(
  env: Env,
  config: Config,
  request: Request,
  rawChatId: string,
  onVerified: (user: AuthUser) => void = () => {},
): Promise<Response> {
  const chatId = parseInput(ChatIdSchema, rawChatId, { root: 'chat_id' })
  const subprotocol = chooseSubprotocol(request.headers.get('Sec-WebSocket-Protocol'))
  const { user, query } = await verifySocketRequest(config, request)
  onVerified(user)
  const sinceSeq = parseInput(SocketQuerySchema, { since: query.since }).since ?? null
  // The room knows its chat by its name; it gets `since` and the protocol, never the token.
  const roomUrl = new URL('https://room.internal/connect')
  if (sinceSeq !== null) roomUrl.searchParams.set('since', String(sinceSeq))
  if (subprotocol !== null) roomUrl.searchParams.set('subprotocol', subprotocol)
  const stub = env.CHAT_ROOM.getByName(String(chatId))
  const reply = await forwardUpgrade(stub, roomUrl, request, user, subprotocol)
  // A sharded group: the room admitted the member and names their fan-out shard, which takes the socket.
  if (reply.status !== SHARD_REDIRECT_STATUS) return reply
  const shard = parseShardName(reply.headers.get(SHARD_HEADER) ?? '')
  if (!shard || shard.chatId !== chatId) throw new Error('a room named no shard of its own chat')
  return forwardUpgrade(env.FAN_OUT_SHARD.getByName(shardName(chatId, shard.index)), roomUrl, request, user, subprotocol)
}
