import { DurableObject } from 'cloudflare:workers'
import * as v from 'valibot'
import { SocketQuerySchema } from '../../../protocol/requests'
import { CLOSE_CODES, ROOM_SUBPROTOCOLS } from '../../../protocol/socket'
import type { Env } from '../../env'
import { errorResponse } from '../../errors'
import { decodeMember, MEMBER_HEADER } from '../member'
import { closeExpired } from '../object/admission'
import { broadcastTo, closeSocket } from '../object/fan-out'
import { closeSessions } from '../object/revocation'
import { socketEntry, socketKindOf } from '../object/sockets'
import { attachSocket, closeMember, destroyShard } from './admission'
import { handleShardFrame } from './frames'
import type { ShardEntry } from './plan'
import { identity, openShard, type Shard } from './shard'
import { deliverBatch } from './stream'

/**
 * One fan-out shard of a large group, reached by `FAN_OUT_SHARD.getByName("<chatId>:<index>")`
 * (docs/architecture.md#groups-beyond-one-object). It holds some of the group's hibernatable sockets,
 * forwards their frames to the room, and delivers the room's batches to them in seq order. It stores
 * no message: only its name and how far its stream has delivered.
 */
export class FanOutShard extends DurableObject<Env> {
  private readonly shard: Shard

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.shard = openShard(ctx, env)
  }

  override async fetch(request: Request): Promise<Response> {
    const member = decodeMember(request.headers.get(MEMBER_HEADER))
    if (!member || request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return errorResponse('invalid_request', 'Expected a WebSocket upgrade from the worker.')
    }
    const query = new URL(request.url).searchParams
    const since = v.safeParse(SocketQuerySchema, { since: query.get('since') ?? undefined })
    if (!since.success) return errorResponse('invalid_request', '"since" must be a non-negative integer.')
    // The room keeps the seed's sockets itself (`object/shards.ts` routeSocket); one here is a routing bug.
    const kind = socketKindOf(query.get('subprotocol'))
    if (kind === 'legacy') return errorResponse('invalid_request', `A shard speaks only ${ROOM_SUBPROTOCOLS.join(' and ')}.`)
    identity(this.shard)
    return attachSocket(this.shard, member, since.output.since ?? null, kind)
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (!socketEntry(this.ctx, ws, Date.now())) return closeSocket(ws, CLOSE_CODES.internal, 'Unknown socket.')
    await handleShardFrame(this.shard, ws, data)
  }

  // Reciprocated, and on 1005/1006/1015 (nothing to answer) closed too, so the runtime releases the
  // socket at once instead of holding it until it times out (issue #16).
  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    closeSocket(ws, code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, '')
  }

  override async alarm(): Promise<void> {
    await closeExpired(this.ctx, Date.now())
  }

  /** Room RPC: one committed batch, entries in seq order; delivered in order, gaps filled from the log. */
  async deliver(entries: ShardEntry[]): Promise<void> {
    await deliverBatch(this.shard, entries)
  }

  /** Room RPC: an unsequenced frame (typing, read notice) to every socket here but those of `exceptUserIds`. */
  async notify(payload: string, exceptUserIds: number[]): Promise<void> {
    const except = new Set(exceptUserIds.map(String))
    const sockets = except.size === 0 ? this.ctx.getWebSockets() : this.ctx.getWebSockets().filter((ws) => !this.ctx.getTags(ws).some((tag) => except.has(tag)))
    broadcastTo(sockets, payload)
  }

  /** Room RPC: closes `userId`'s sockets with `code` (4003, 4005) and refuses their pending attaches. Returns how many closed. */
  async closeMember(userId: number, code: number, reason: string): Promise<number> {
    return closeMember(this.shard, userId, code, reason)
  }

  /** Room RPC: sessions of `userId` were revoked; their sockets close with 4006 (`object/revocation.ts`). Returns how many closed. */
  async closeSessions(userId: number, sessionIds: string[], untilMs: number): Promise<number> {
    return closeSessions(this.ctx, userId, sessionIds, untilMs, Date.now())
  }

  /**
   * Room RPC, the chat was deleted: closes every socket at once with `code` (4004), refuses pending
   * attaches, then erases this shard's storage after any delivery in progress. Returns how many closed.
   */
  async destroy(code: number, reason: string): Promise<number> {
    return destroyShard(this.shard, code, reason)
  }
}
