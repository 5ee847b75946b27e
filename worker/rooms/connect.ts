import { expireNoLaterThan } from './expiry'
import { sendFrame } from './fan-out'
import { replayUnlocked } from './handlers'
import { memberTag, type Member } from './member'
import type { Room } from './room'
import { setMember } from './sockets'

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
      chat_id: member.chatId,
      user_id: member.userId,
      last_seq: room.lastSeq,
      token_expires_at: new Date(member.tokenExpiresAtMs).toISOString(),
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
