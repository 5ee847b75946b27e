import { CLOSE_CODES, type AuthFrame } from '../../../protocol/socket'
import { verifyAccessToken } from '../../auth/access-tokens'
import { memberTag, readMember, type Member } from '../member'
import { closeSocket, sendFrame } from './fan-out'
import { toMessageBody } from './log/seal'
import { listAfter } from './log/store'
import { readsFor } from './receipts'
import type { Room } from './room'
import { setMember, socketEntry } from './sockets'

// Who is in the room and until when: accepting a socket the worker admitted (with replay from
// `since`), renewing its token, and the alarm that closes sockets whose token expired.

/** Messages per replay page: decrypted together, then sent in order. */
const REPLAY_PAGE = 200

/**
 * Accepts a socket the worker has already admitted. With `since`, accepting and replaying happen in
 * one exclusive section: a message stored meanwhile is either in the replay or broadcast after it,
 * never both and never neither. Without `since` no section is needed: a batch advances `lastSeq`
 * and lists the sockets for its broadcast in one synchronous step, so the ready frame's `last_seq`
 * is either before the batch (and the socket gets its broadcast) or after it.
 */
export async function acceptSocket(room: Room, member: Member, since: number | null): Promise<Response> {
  const { 0: client, 1: server } = new WebSocketPair()
  const accept = () => {
    room.ctx.acceptWebSocket(server, [memberTag(member.userId)])
    setMember(server, member, Date.now())
    sendFrame(server, {
      type: 'ready',
      chat_id: room.chatId,
      user_id: member.userId,
      last_seq: room.lastSeq,
      token_expires_at: new Date(member.tokenExpiresAtMs).toISOString(),
      reads: readsFor(room, member.userId),
    })
  }
  if (since === null) accept()
  else
    await room.exclusive(async () => {
      accept()
      await replayUnlocked(room, server, since)
    })
  await expireNoLaterThan(room.ctx, member.tokenExpiresAtMs)
  return new Response(null, { status: 101, webSocket: client })
}

/**
 * Sends every message with seq > since, oldest first, then `resumed`. Call it inside
 * `room.exclusive` so no message is stored (and broadcast) halfway through the replay.
 */
async function replayUnlocked(room: Room, ws: WebSocket, since: number): Promise<void> {
  let cursor = since
  for (;;) {
    const page = listAfter(room.db, cursor, REPLAY_PAGE)
    const bodies = await Promise.all(page.map((m) => toMessageBody(room, m)))
    for (const body of bodies) sendFrame(ws, { type: 'message', ...body })
    if (page.length < REPLAY_PAGE) break
    cursor = page[page.length - 1]!.seq
  }
  sendFrame(ws, { type: 'resumed', last_seq: room.lastSeq })
}

/** The `resume` frame: a replay on an open socket. */
export function onResume(room: Room, ws: WebSocket, since: number): Promise<void> {
  return room.exclusive(() => replayUnlocked(room, ws, since))
}

/** Renews the socket's token; a token that fails or names someone else closes the socket with 4002. */
export async function onAuth(room: Room, ws: WebSocket, frame: AuthFrame): Promise<void> {
  const user = await verifyAccessToken(room.jwtKey, frame.token).catch(() => null)
  const socket = socketEntry(ws, Date.now())
  if (!socket) return
  if (!user || user.id !== socket.member.userId) {
    return closeSocket(ws, CLOSE_CODES.invalidToken, 'The token is not valid for this socket.')
  }
  const tokenExpiresAtMs = user.expiresAt * 1000
  setMember(ws, { ...socket.member, username: user.username, tokenExpiresAtMs }, Date.now())
  sendFrame(ws, { type: 'auth_ok', token_expires_at: new Date(tokenExpiresAtMs).toISOString() })
  await expireNoLaterThan(room.ctx, tokenExpiresAtMs)
}

/**
 * For one socket that was accepted or renewed: every other open socket's expiry is already covered
 * by the current alarm, so comparing with it suffices. Scanning every socket here made each upgrade
 * O(open sockets) and filling a room O(n²). The alarm only has to be early, never late.
 */
async function expireNoLaterThan(ctx: DurableObjectState, expiresAtMs: number): Promise<void> {
  const current = await ctx.storage.getAlarm()
  if (current === null || expiresAtMs < current) await ctx.storage.setAlarm(expiresAtMs)
}

/**
 * The alarm: closes every socket whose token has expired with 4001 (the client refreshes and
 * reconnects with `since`), then sets the alarm for the earliest expiry among the sockets left open.
 */
export async function closeExpired(ctx: DurableObjectState, nowMs: number): Promise<number> {
  let closed = 0
  let earliestMs = Infinity
  for (const ws of ctx.getWebSockets()) {
    const member = readMember(ws)
    if (!member) continue
    if (member.tokenExpiresAtMs <= nowMs) {
      closeSocket(ws, CLOSE_CODES.tokenExpired, 'The access token expired.')
      closed++
    } else if (ws.readyState === WebSocket.OPEN) earliestMs = Math.min(earliestMs, member.tokenExpiresAtMs)
  }
  if (earliestMs < Infinity) await expireNoLaterThan(ctx, earliestMs)
  return closed
}
