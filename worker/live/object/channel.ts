import * as v from 'valibot'
import { CHANNEL_IDLE_LIMIT_MS, ChannelClientFrameSchema, type ChannelServerFrame } from '../../../protocol/channel'
import type { ErrorCode } from '../../../protocol/errors'
import { MAX_TOKEN_CHARS } from '../../../protocol/frames'
import { CLOSE_CODES } from '../../../protocol/socket'
import { verifyAccessToken } from '../../auth/access-tokens'
import { isSessionRevoked, recordRevokedSessions } from '../../auth/revoked-sessions'
import { loadConfig } from '../../config'
import type { Env } from '../../env'
import { AppError } from '../../errors'
import { parseInput, parseJsonObject } from '../../input'
import { errorFields, log } from '../../log'
import { readMember, type Member } from '../../rooms/member'
import { closeSocket } from '../../rooms/object/fan-out'
import { fullBucket, takeToken, type FloodBucket } from '../../rooms/object/sockets'
import { presenceMayHaveChanged } from './presence'

// One tab's channel inside the user's hub: accept, its frames, and the sweep that closes sockets
// whose token expired or whose tab stopped pinging.

/** How often the hub's alarm looks for expired tokens and silent tabs while a channel is open. */
export const SWEEP_INTERVAL_MS = 20_000
/** An `auth` frame is the largest the channel accepts: the token plus its envelope. */
const MAX_CHANNEL_FRAME_CHARS = MAX_TOKEN_CHARS + 256

/** The socket's attachment: who, since when, and its last ping not answered by the runtime. */
interface ChannelAttachment {
  member: Member
  openedAtMs: number
  pingAtMs: number | null
}

const Times = v.object({ openedAtMs: v.number(), pingAtMs: v.nullable(v.number()) })

function readTimes(ws: WebSocket): v.InferOutput<typeof Times> | null {
  const parsed = v.safeParse(Times, ws.deserializeAttachment())
  return parsed.success ? parsed.output : null
}

function writeAttachment(ws: WebSocket, attachment: ChannelAttachment): void {
  ws.serializeAttachment(attachment)
}

/**
 * The room's flood rule per channel (FRAME_BURST, FRAMES_PER_SECOND, then 4029): only frames the
 * runtime did not answer count. Memory only, for the reason given in rooms/object/sockets.ts.
 */
const buckets = new WeakMap<WebSocket, FloodBucket>()

export function sendChannelFrame(ws: WebSocket, frame: ChannelServerFrame): void {
  try {
    ws.send(JSON.stringify(frame))
  } catch {}
}

/** The hub's channels that are still open (a closing one no longer counts for presence or delivery). */
export function openChannels(ctx: DurableObjectState, except?: WebSocket): WebSocket[] {
  return ctx.getWebSockets().filter((ws) => ws !== except && ws.readyState === WebSocket.OPEN)
}

/** Accepts a channel the worker admitted; its `ready` frame is the first it gets. */
export function acceptChannel(ctx: DurableObjectState, member: Member, nowMs: number): { client: WebSocket; server: WebSocket } {
  const { 0: client, 1: server } = new WebSocketPair()
  ctx.acceptWebSocket(server)
  writeAttachment(server, { member, openedAtMs: nowMs, pingAtMs: null })
  sendChannelFrame(server, { type: 'ready', user_id: member.userId, token_expires_at: new Date(member.tokenExpiresAtMs).toISOString() })
  return { client, server }
}

function sendError(ws: WebSocket, code: ErrorCode, message: string, field?: string): void {
  sendChannelFrame(ws, field === undefined ? { type: 'error', code, message } : { type: 'error', code, message, field })
}

/**
 * Sessions of the hub's user were revoked (worker/auth/revocation.ts): they are recorded until
 * `untilMs` (epoch ms), so upgrades and `auth` frames carrying them are refused, and the channels of
 * those sessions close with 4006 `sessionRevoked` (one whose attachment names no session too: it was
 * opened before sessions were recorded, and a live session reconnects after one refresh). Returns how
 * many were closed.
 */
export function closeSessionChannels(ctx: DurableObjectState, sessionIds: readonly string[], untilMs: number, nowMs: number): number {
  recordRevokedSessions(ctx.storage.kv, sessionIds, untilMs, nowMs)
  const revoked = new Set(sessionIds)
  let closed = 0
  for (const ws of openChannels(ctx)) {
    const sessionId = readMember(ws)?.sessionId
    if (sessionId !== undefined && !revoked.has(sessionId)) continue
    closeSocket(ws, CLOSE_CODES.sessionRevoked, 'This session was signed out.')
    closed++
  }
  return closed
}

/**
 * One client frame: `ping` spelled other than CHANNEL_PING_FRAME (the runtime answers that one) and
 * `auth`. A bad frame gets an error frame and the channel stays open, as on the room socket.
 */
export async function onChannelFrame(ctx: DurableObjectState, env: Env, ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
  const nowMs = Date.now()
  const member = readMember(ws)
  const times = readTimes(ws)
  if (!member || !times) return closeSocket(ws, CLOSE_CODES.internal, 'Unknown socket.')
  if (member.tokenExpiresAtMs <= nowMs) return closeSocket(ws, CLOSE_CODES.tokenExpired, 'The access token expired.')
  const { bucket, verdict } = takeToken(buckets.get(ws) ?? fullBucket(nowMs), nowMs)
  buckets.set(ws, bucket)
  if (verdict === 'close') return closeSocket(ws, CLOSE_CODES.rateLimited, 'Too many frames.')
  if (verdict === 'refuse') return sendError(ws, 'rate_limited', 'Too many frames; slow down.')
  if (typeof data !== 'string') return sendError(ws, 'invalid_request', 'Binary frames are not accepted; send JSON text.')
  if (data.length > MAX_CHANNEL_FRAME_CHARS) return closeSocket(ws, CLOSE_CODES.tooBig, 'The frame is too large.')
  try {
    const frame = parseInput(ChannelClientFrameSchema, parseJsonObject(data, 'The frame'), { what: 'The frame' })
    if (frame.type === 'ping') {
      writeAttachment(ws, { member, ...times, pingAtMs: nowMs })
      return sendChannelFrame(ws, { type: 'pong' })
    }
    const { jwtKey } = await loadConfig(env)
    const user = await verifyAccessToken(jwtKey, frame.token).catch(() => null)
    if (!user || user.id !== member.userId) return closeSocket(ws, CLOSE_CODES.invalidToken, 'The token is not valid for this socket.')
    if (isSessionRevoked(ctx.storage.kv, user.sessionId, Date.now())) return closeSocket(ws, CLOSE_CODES.sessionRevoked, 'This session was signed out.')
    const renewed = { ...member, username: user.username, tokenExpiresAtMs: user.expiresAt * 1000, sessionId: user.sessionId }
    writeAttachment(ws, { member: renewed, ...times })
    sendChannelFrame(ws, { type: 'auth_ok', token_expires_at: new Date(renewed.tokenExpiresAtMs).toISOString() })
  } catch (err) {
    if (err instanceof AppError) return sendError(ws, err.code, err.message, err.field)
    log.error('frame_failed', { where: 'channel', ...errorFields(err) })
    sendError(ws, 'internal', 'The frame could not be processed; try again.')
  }
}

/**
 * The alarm's work: closes channels whose token expired (4001) and channels whose tab went silent
 * (1001: no ping, automatic or not, for CHANNEL_IDLE_LIMIT_MS; a tab that died without closing).
 * The last automatic ping comes from `getWebSocketAutoResponseTimestamp`, so pings never wake the
 * object. Returns when the alarm should run next (null: no channel left open).
 */
export function sweepChannels(ctx: DurableObjectState, nowMs: number): number | null {
  let nextMs = Infinity
  for (const ws of openChannels(ctx)) {
    const member = readMember(ws)
    const times = readTimes(ws)
    if (!member || !times) {
      closeSocket(ws, CLOSE_CODES.internal, 'Unknown socket.')
      continue
    }
    const lastPingMs = Math.max(times.openedAtMs, times.pingAtMs ?? 0, ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0)
    if (member.tokenExpiresAtMs <= nowMs) closeSocket(ws, CLOSE_CODES.tokenExpired, 'The access token expired.')
    else if (nowMs - lastPingMs > CHANNEL_IDLE_LIMIT_MS) closeSocket(ws, CLOSE_CODES.goingAway, 'No ping within the idle limit.')
    else nextMs = Math.min(nextMs, member.tokenExpiresAtMs, nowMs + SWEEP_INTERVAL_MS)
  }
  return nextMs === Infinity ? null : nextMs
}

/**
 * The hub's alarm at `nowMs` (tests pass a later clock): sweeps, sets the next alarm while channels
 * stay open, and lets presence settle when one was closed.
 */
export async function sweep(ctx: DurableObjectState, env: Env, nowMs: number): Promise<void> {
  const openBefore = openChannels(ctx).length
  const nextMs = sweepChannels(ctx, nowMs)
  if (nextMs !== null) await ctx.storage.setAlarm(nextMs)
  if (openChannels(ctx).length !== openBefore) presenceMayHaveChanged(ctx, env)
}

/** Keeps the alarm at or before `atMs`: it only has to be early, never late. */
export async function sweepNoLaterThan(ctx: DurableObjectState, atMs: number): Promise<void> {
  const current = await ctx.storage.getAlarm()
  if (current === null || atMs < current) await ctx.storage.setAlarm(atMs)
}
