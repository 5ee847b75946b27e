import { CLOSE_CODES, type AuthFrame, type ReadFrame, type SendFrame, type TypingNoticeFrame } from '../../protocol/socket'
import { verifyAccessToken } from '../auth/access-tokens'
import { expireNoLaterThan } from './expiry'
import { broadcast, closeSocket, sendFrame } from './fan-out'
import type { Member } from './member'
import { toMessageBody } from './messages'
import { publishMessage } from './publish'
import type { Room } from './room'
import { setMember, socketEntry } from './sockets'
import { advanceReadCursor, listAfter } from './store'

/** Messages per replay page: decrypted together, then sent in order. */
const REPLAY_PAGE = 200

export async function onSend(room: Room, ws: WebSocket, member: Member, frame: SendFrame): Promise<void> {
  // The batch acks the sender right after the message's broadcast; awaiting only surfaces a failure.
  await publishMessage(room, member, frame.text, frame.client_id ?? null, ws)
}

/**
 * Sends every message with seq > since, oldest first, then `resumed`. Call it inside
 * `room.exclusive` so no message is stored (and broadcast) halfway through the replay.
 */
export async function replayUnlocked(room: Room, ws: WebSocket, since: number): Promise<void> {
  const sql = room.ctx.storage.sql
  let cursor = since
  for (;;) {
    const page = listAfter(sql, cursor, REPLAY_PAGE)
    const bodies = await Promise.all(page.map((m) => toMessageBody(room, m)))
    for (const body of bodies) sendFrame(ws, { type: 'message', ...body })
    if (page.length < REPLAY_PAGE) break
    cursor = page[page.length - 1]!.seq
  }
  sendFrame(ws, { type: 'resumed', last_seq: room.lastSeq })
}

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

export function onRead(room: Room, member: Member, frame: ReadFrame): void {
  advanceReadCursor(room.ctx.storage.sql, member.userId, Math.min(frame.seq, room.lastSeq))
}

export function onTyping(room: Room, ws: WebSocket, member: Member): void {
  const notice: TypingNoticeFrame = { type: 'typing', user_id: member.userId, username: member.username }
  broadcast(room.ctx, JSON.stringify(notice), ws)
}
