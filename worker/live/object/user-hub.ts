import { DurableObject } from 'cloudflare:workers'
import { CHANNEL_PING_FRAME } from '../../../protocol/channel'
import { CLOSE_CODES } from '../../../protocol/socket'
import type { Env } from '../../env'
import { errorResponse } from '../../errors'
import { errorFields, log } from '../../log'
import { isMetering, meterObject } from '../../metering/meter'
import { decodeMember, MEMBER_HEADER } from '../../rooms/member'
import { closeSocket } from '../../rooms/object/fan-out'
import { isSessionRevoked } from '../../auth/revoked-sessions'
import { acceptChannel, closeSessionChannels, onChannelFrame, openChannels, sweep, SWEEP_INTERVAL_MS, sweepNoLaterThan } from './channel'
import { announceOnline, presenceMayHaveChanged, reconcilePresence, recordUser, sendPresenceSnapshot } from './presence'

/** Set once the account was deleted (`closeChannels`); user ids are never reused. */
const ACCOUNT_DELETED_KEY = 'account_deleted'

/**
 * One Durable Object per user, reached by `USER_HUB.getByName(String(userId))`: it holds that
 * user's live channels (one per tab, hibernatable, identity in attachments), decides their presence
 * and forwards what rooms, chat routes and other hubs tell it. Pings are answered by the runtime
 * (`setWebSocketAutoResponse`), so an idle user's hub sleeps; its alarm runs only while a channel
 * is open, to close silent ones (see docs/architecture.md for the costs).
 */
export class UserHub extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(CHANNEL_PING_FRAME, '{"type":"pong"}'))
    reconcilePresence(ctx, env)
    if (isMetering(env)) meterObject(this, ctx, 'UserHub')
  }

  override async fetch(request: Request): Promise<Response> {
    const member = decodeMember(request.headers.get(MEMBER_HEADER))
    if (!member || request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return errorResponse('invalid_request', 'Expected a WebSocket upgrade from the worker.')
    }
    const nowMs = Date.now()
    // No D1 read here (issue #16): the hub was told of the account's deletion and of revoked sessions.
    if (this.ctx.storage.kv.get<boolean>(ACCOUNT_DELETED_KEY) === true || isSessionRevoked(this.ctx.storage.kv, member.sessionId, nowMs)) {
      return errorResponse('session_revoked', 'This session was signed out; sign in again.')
    }
    recordUser(this.ctx, member.userId)
    const { client, server } = acceptChannel(this.ctx, member, nowMs)
    await announceOnline(this.ctx, this.env)
    await sweepNoLaterThan(this.ctx, Math.min(member.tokenExpiresAtMs, nowMs + SWEEP_INTERVAL_MS))
    this.ctx.waitUntil(sendPresenceSnapshot(this.env, server, member.userId).catch((err: unknown) => log.error('presence_failed', errorFields(err))))
    return new Response(null, { status: 101, webSocket: client })
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    await onChannelFrame(this.ctx, this.env, ws, data)
  }

  // As in the room: reciprocate, except 1005 (no code to send back) and 1006/1015 (no peer left).
  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    if (code !== 1006 && code !== 1015) closeSocket(ws, code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, '')
    presenceMayHaveChanged(this.ctx, this.env)
  }

  override async webSocketError(): Promise<void> {
    presenceMayHaveChanged(this.ctx, this.env)
  }

  override async alarm(): Promise<void> {
    await sweep(this.ctx, this.env, Date.now())
  }

  /**
   * The account was deleted (DELETE /me/): every open channel closes with 4005 `accountDeleted`,
   * presence is re-decided (offline), and every later upgrade is refused with 401 `session_revoked`
   * (the account's access tokens outlive it by up to 15 minutes). Returns how many were open.
   */
  async closeChannels(): Promise<number> {
    this.ctx.storage.kv.put(ACCOUNT_DELETED_KEY, true)
    const channels = openChannels(this.ctx)
    for (const ws of channels) closeSocket(ws, CLOSE_CODES.accountDeleted, 'This account was deleted.')
    presenceMayHaveChanged(this.ctx, this.env)
    return channels.length
  }

  /**
   * Sessions of this user were revoked (sign-out, a session ended, a password change): their channels
   * close with 4006 `sessionRevoked`, and upgrades and `auth` frames carrying them are refused until
   * `untilMs` (epoch ms: when their last access token has expired). Returns how many were closed.
   */
  async closeSessions(sessionIds: string[], untilMs: number): Promise<number> {
    const closed = closeSessionChannels(this.ctx, sessionIds, untilMs, Date.now())
    if (closed > 0) presenceMayHaveChanged(this.ctx, this.env)
    return closed
  }

  /**
   * Sends one serialized channel frame (`chat`, `chat_removed`, `presence`) to every open channel of
   * this user. Returns how many got it (0: the user has no tab open, nothing is kept).
   */
  async deliver(payload: string): Promise<number> {
    const channels = openChannels(this.ctx)
    for (const ws of channels) {
      try {
        ws.send(payload)
      } catch {}
    }
    return channels.length
  }
}
