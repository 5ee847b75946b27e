import { DELETED_USER_NAME } from '../../../protocol/http'
import { CLOSE_CODES, type AuthFrame } from '../../../protocol/socket'
import { verifyAccessToken } from '../../auth/access-tokens'
import { isSessionRevoked } from '../../auth/revoked-sessions'
import { errorResponse } from '../../errors'
import { memberTag, type Member } from '../member'
import { closeNow, closeWhenSettled, oneSocket, sendEntries, sendFrame, toLegacyFrame } from './fan-out'
import { loadEntriesAfter, serializeEntry } from './log/entries'
import { anonymizeSender, recordRemoval, startMembership } from './log/store'
import { readsFor } from './receipts'
import type { Room } from './room'
import { closeOnShards } from './shards'
import { renameInSystemMessages } from './system-messages'
import { addSocket, kindTags, renewMember, socketEntry, type SocketEntry, type SocketKind } from './sockets'

// Who is in the room and until when: memberships starting and ending (`admit`, `removeMember`),
// accepting a socket the worker admitted (with replay from `since`), renewing its token, and the
// alarm that closes sockets whose token expired.

/** Log entries per replay page: their messages are read and decrypted together, then sent in order. */
const REPLAY_PAGE = 200

/**
 * Accepts a socket whose token the worker verified; null when the user is not a member (the caller
 * answers 403 `not_member`), 401 `session_revoked` when the token's session was revoked lately
 * (`closeSessions`). The room is the authority (`room.members`, loaded by `ensureMembers`
 * first). The membership check and the accept are one synchronous step, and `removeMember` runs in
 * the exclusive section: a removal either comes first (refused here) or closes the accepted socket,
 * whatever the order the two arrive in.
 * With `since`, accepting and replaying happen in one exclusive section: a message stored meanwhile
 * is either in the replay or broadcast after it, never both and never neither. Without `since` no
 * section is needed: a batch advances `lastSeq` and lists the sockets for its broadcast in one
 * synchronous step, so the ready frame's `last_seq` is either before the batch (and the socket gets
 * its broadcast) or after it. A `legacy` socket (no subprotocol) gets no ready or resumed frame; a
 * `batched` one (`edge-chat.v2`) gets the same frames as v1, except that messages may come as `messages`.
 */
export async function acceptSocket(room: Room, member: Member, since: number | null, kind: SocketKind): Promise<Response | null> {
  const legacy = kind === 'legacy'
  const { 0: client, 1: server } = new WebSocketPair()
  // Checked in the same synchronous step as the accept, so `closeSessions` either comes first
  // (refused here) or finds the socket to close.
  let isRevoked = false
  const accept = (): SocketEntry | null => {
    if (!room.members?.has(member.userId)) return null
    if (isSessionRevoked(room.ctx.storage.kv, member.sessionId, Date.now())) {
      isRevoked = true
      return null
    }
    room.ctx.acceptWebSocket(server, [memberTag(member.userId), ...kindTags(kind)])
    const socket = addSocket(server, member, kind, Date.now())
    if (!legacy) {
      sendFrame(server, {
        type: 'ready',
        chat_id: room.chatId,
        user_id: member.userId,
        last_seq: room.lastSeq,
        token_expires_at: new Date(member.tokenExpiresAtMs).toISOString(),
        reads: readsFor(room, member.userId),
      })
    }
    return socket
  }
  const accepted =
    since === null
      ? accept() !== null
      : await room.exclusive(async () => {
          const socket = accept()
          if (socket) await replayUnlocked(room, server, socket, since)
          return socket !== null
        })
  if (isRevoked) return errorResponse('session_revoked', 'This session was signed out; sign in again.')
  if (!accepted) return null
  await expireNoLaterThan(room.ctx, member.tokenExpiresAtMs)
  return new Response(null, { status: 101, webSocket: client })
}

/**
 * Sends every log entry with seq > since, in seq order, then `resumed`: a message entry as a
 * `message` frame, a change entry as `message_updated` with its message's current state. A batched
 * socket (`edge-chat.v2`) gets each run of 2+ consecutive message entries of a page as one `messages`
 * frame instead. A legacy socket gets only members' messages, in the seed's shape. Call it inside
 * `room.exclusive` so no entry is stored (and broadcast) halfway through the replay.
 */
async function replayUnlocked(room: Room, ws: WebSocket, socket: SocketEntry, since: number): Promise<void> {
  let cursor: number | null = since
  while (cursor !== null) {
    const { entries, next } = await loadEntriesAfter(room, cursor, REPLAY_PAGE)
    if (!socket.legacy) sendEntries(oneSocket(ws, socket.batched), entries.map(serializeEntry))
    else {
      for (const entry of entries) if (entry.targetSeq === null && entry.message.kind === 'message') sendFrame(ws, toLegacyFrame(entry.message))
    }
    cursor = next
  }
  if (!socket.legacy) sendFrame(ws, { type: 'resumed', last_seq: room.lastSeq })
}

/** The `resume` frame: a replay on an open socket. */
export function onResume(room: Room, ws: WebSocket, socket: SocketEntry, since: number): Promise<void> {
  return room.exclusive(() => replayUnlocked(room, ws, socket, since))
}

/**
 * Renews the socket's token; a token that fails or names someone else closes the socket with 4002,
 * one of a revoked session with 4006.
 */
export async function onAuth(room: Pick<Room, 'ctx' | 'jwtKey'>, ws: WebSocket, socket: SocketEntry, frame: AuthFrame): Promise<void> {
  const user = await verifyAccessToken(room.jwtKey, frame.token).catch(() => null)
  if (!user || user.id !== socket.member.userId) {
    return closeWhenSettled(ws, socket, CLOSE_CODES.invalidToken, 'The token is not valid for this socket.')
  }
  if (isSessionRevoked(room.ctx.storage.kv, user.sessionId, Date.now())) {
    return closeNow(ws, socket, CLOSE_CODES.sessionRevoked, 'This session was signed out.')
  }
  const tokenExpiresAtMs = user.expiresAt * 1000
  renewMember(ws, socket, { ...socket.member, username: user.username, tokenExpiresAtMs, sessionId: user.sessionId })
  if (!socket.legacy) sendFrame(ws, { type: 'auth_ok', token_expires_at: new Date(tokenExpiresAtMs).toISOString() })
  await expireNoLaterThan(room.ctx, tokenExpiresAtMs)
}

/** A room admission: the log's last seq then, and the admission's number for `undoAdmission`. */
export interface Admission {
  seq: number
  /** Counts this user's admissions in this room (key-value storage), so an undo can tell whether a later one came. */
  admission: number
}

const admissionKey = (userId: number) => `admission:${userId}`

/**
 * A membership of `userId` starts (a join, an add, a re-join): their read cursor moves to the room's
 * last seq, so only later messages count as unread, and any removal mark is cleared. Inside the
 * exclusive section, so a batch being stored counts as before the join. Returns that seq and the
 * admission's number.
 */
export function admitMember(room: Room, userId: number): Promise<Admission> {
  return room.exclusive(async () => {
    startMembership(room.db, userId, room.lastSeq)
    room.removed.delete(userId)
    room.members?.add(userId)
    const admission = (room.ctx.storage.kv.get<number>(admissionKey(userId)) ?? 0) + 1
    room.ctx.storage.kv.put(admissionKey(userId), admission)
    return { seq: room.lastSeq, admission }
  })
}

/**
 * Undoes admission number `admission` of `userId` when the membership's D1 write did not happen (an
 * invite used up or revoked meanwhile, the account deleted, the write failed): ends the membership as
 * `removeMember` does, unless the room admitted them again since (a later join of theirs, whose own
 * write decides). It cannot see an earlier admission whose write is still in flight: see the known
 * limits in docs/security.md. Returns whether it did.
 */
export function undoAdmission(room: Room, userId: number, admission: number): Promise<boolean> {
  return room.exclusive(async () => {
    if (room.ctx.storage.kv.get<number>(admissionKey(userId)) !== admission) return false
    await endMembershipUnlocked(room, userId, CLOSE_CODES.notMember, 'You are not a member of this chat.')
    return true
  })
}

/**
 * A membership of `userId` ends: the removal is recorded (so a socket the worker admitted before it
 * is refused) and their sockets close at once with 4003 (on the group's fan-out shards too), inside the exclusive section, so it falls
 * between batches and replays: the removed user gets nothing stored after it, and their sends not
 * yet stored are refused by the commit. Returns how many sockets were open.
 */
export function removeMember(room: Room, userId: number): Promise<number> {
  return room.exclusive(async () => endMembershipUnlocked(room, userId, CLOSE_CODES.notMember, 'You are no longer a member of this chat.'))
}

/**
 * The account of `userId` was deleted: their membership ends as in {@link removeMember}, but their
 * sockets close with 4005 `accountDeleted`, and in the same exclusive section their name becomes
 * DELETED_USER_NAME wherever the room stored it: beside each of their messages, and inside the
 * system messages naming them (`renameInSystemMessages`: re-sealed), so no later read shows the old
 * one. The ciphertext of their messages stays: the other members keep the conversation. Idempotent.
 * Returns how many sockets were open.
 */
export function forgetMember(room: Room, userId: number): Promise<number> {
  return room.exclusive(async () => {
    const open = await endMembershipUnlocked(room, userId, CLOSE_CODES.accountDeleted, 'This account was deleted.')
    anonymizeSender(room.ctx.storage.sql, userId, DELETED_USER_NAME)
    await renameInSystemMessages(room, userId, DELETED_USER_NAME)
    return open
  })
}

async function endMembershipUnlocked(room: Room, userId: number, code: number, reason: string): Promise<number> {
  recordRemoval(room.db, userId)
  room.removed.add(userId)
  room.members?.delete(userId)
  const sockets = room.ctx.getWebSockets(memberTag(userId))
  const nowMs = Date.now()
  for (const ws of sockets) closeNow(ws, socketEntry(room.ctx, ws, nowMs), code, reason)
  // Awaited inside the exclusive section: no batch is fed to the shards before they closed theirs.
  return sockets.length + (await closeOnShards(room.ctx, userId, code, reason))
}

/**
 * For one socket that was accepted or renewed: every other open socket's expiry is already covered
 * by the current alarm, so comparing with it suffices. Scanning every socket here made each upgrade
 * O(open sockets) and filling a room O(n²). The alarm only has to be early, never late. The
 * automatic reseal (`log/reseal.ts`) books its batches through this too: the alarm runs both duties.
 */
export async function expireNoLaterThan(ctx: DurableObjectState, expiresAtMs: number): Promise<void> {
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
    const socket = socketEntry(ctx, ws, nowMs)
    if (!socket) continue
    if (socket.member.tokenExpiresAtMs <= nowMs) {
      closeWhenSettled(ws, socket, CLOSE_CODES.tokenExpired, 'The access token expired.')
      closed++
    } else if (ws.readyState === WebSocket.OPEN) earliestMs = Math.min(earliestMs, socket.member.tokenExpiresAtMs)
  }
  if (earliestMs < Infinity) await expireNoLaterThan(ctx, earliestMs)
  return closed
}
