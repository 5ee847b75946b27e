import { isSessionRevoked, recordRevokedEntries } from '../../auth/revoked-sessions'
import { errorResponse } from '../../errors'
import { memberTag, type Member } from '../member'
import { expireNoLaterThan } from '../object/admission'
import { closeNow, listSockets, sendFrame } from '../object/fan-out'
import { addSocket, kindTags, socketEntry, type SocketKind } from '../object/sockets'
import { type PendingAttach, deliveredSeq, identity, roomOf, type Shard } from './shard'
import { drain } from './stream'

// Sockets joining and leaving a shard. The worker admitted the member and the room routed them here
// (`object/shards.ts` routeSocket); the room still has the last word (`shardAttach`).

/**
 * Accepts a socket on this shard: asks the room (membership ended? the log after the lower of
 * `since` and D), then, in one exclusive step, accepts it, sends `ready`, delivers the log slice
 * (the socket from `since`, or from the ready frame's `last_seq` without it; the other sockets from
 * D) and `resumed`. A v2 socket (`kind` 'batched') is tagged and registered as the room does
 * (`BATCH_TAG`), so its batches and replays coalesce runs of messages. Answers 403 `not_member` when
 * the room refused or the member was removed while it answered, 404 when the chat was deleted.
 */
export async function attachSocket(shard: Shard, member: Member, since: number | null, kind: Exclude<SocketKind, 'legacy'>): Promise<Response> {
  const pending: PendingAttach = { userId: member.userId, revoked: false }
  shard.attaching.add(pending)
  try {
    return await shard.exclusive(async () => {
      const from = deliveredSeq(shard)
      const reply = await roomOf(shard).shardAttach(member.userId, since, from)
      if (shard.destroyed) return errorResponse('not_found', 'The chat was deleted.')
      if (!reply || pending.revoked) return errorResponse('not_member', 'You are not a member of this chat.')
      // The room checked the session before routing here; a revocation during its answer reached this
      // shard's list (`closeSessions`), and is checked in the same step as the accept. The room's own
      // list is recorded here too: a shard created after a revocation was never told of it (`auth` frames).
      const nowMs = Date.now()
      recordRevokedEntries(shard.ctx.storage.kv, reply.revoked, nowMs)
      if (isSessionRevoked(shard.ctx.storage.kv, member.sessionId, nowMs)) {
        return errorResponse('session_revoked', 'This session was signed out; sign in again.')
      }
      const others = listSockets(shard.ctx)
      const { 0: client, 1: server } = new WebSocketPair()
      shard.ctx.acceptWebSocket(server, [memberTag(member.userId), ...kindTags(kind)])
      const socket = addSocket(server, member, kind, Date.now())
      sendFrame(server, {
        type: 'ready',
        chat_id: identity(shard).chatId,
        user_id: member.userId,
        last_seq: reply.lastSeq,
        token_expires_at: new Date(member.tokenExpiresAtMs).toISOString(),
        reads: reply.reads,
      })
      const reached = await drain(shard, reply, from, others, { ws: server, after: since ?? reply.lastSeq, batched: socket.batched })
      if (since !== null) sendFrame(server, { type: 'resumed', last_seq: reached })
      await expireNoLaterThan(shard.ctx, member.tokenExpiresAtMs)
      return new Response(null, { status: 101, webSocket: client })
    })
  } finally {
    shard.attaching.delete(pending)
  }
}

/**
 * Closes `userId`'s sockets here (null: every socket) at once with `code`, and revokes their attaches
 * still waiting for the room, so a socket the room let in just before a removal is refused rather
 * than left open. Returns how many sockets were closed.
 */
export function closeMember(shard: Shard, userId: number | null, code: number, reason: string): number {
  for (const pending of shard.attaching) if (userId === null || pending.userId === userId) pending.revoked = true
  const sockets = userId === null ? shard.ctx.getWebSockets() : shard.ctx.getWebSockets(memberTag(userId))
  const nowMs = Date.now()
  for (const ws of sockets) closeNow(ws, socketEntry(shard.ctx, ws, nowMs), code, reason)
  return sockets.length
}

/** The chat was deleted: every socket closes with `code`, then the storage (name, delivered seq, alarm) is erased in turn. */
export async function destroyShard(shard: Shard, code: number, reason: string): Promise<number> {
  shard.destroyed = true
  const closed = closeMember(shard, null, code, reason)
  await shard.exclusive(async () => {
    await shard.ctx.storage.deleteAlarm()
    await shard.ctx.storage.deleteAll()
    shard.delivered = null
  })
  return closed
}
