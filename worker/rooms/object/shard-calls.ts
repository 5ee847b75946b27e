import { revokedSessionEntries, type RevokedSession } from '../../auth/revoked-sessions'
import type { ErrorCode } from '../../../protocol/errors'
import type { AckFrame, ReadPosition, TypingNoticeFrame } from '../../../protocol/socket'
import { AppError } from '../../errors'
import { errorFields, log } from '../../log'
import type { Member } from '../member'
import type { ShardEntry } from '../shard/plan'
import { onDelete, onEdit, onReact } from './actions'
import { broadcastTo, listSockets } from './fan-out'
import { publishFrame } from './frames'
import { loadEntriesAfter, serializeEntry } from './log/entries'
import { ensureMembers } from './members'
import type { ParsedFrame } from './parse-frame'
import { onRead, readsFor } from './receipts'
import type { Room } from './room'
import { deliveredTo, notifyShards } from './shards'

// What the room answers its fan-out shards (`shard/`): the log after a shard's seq, a socket joining
// a shard, and the frames a shard forwards.

/** Entries per reply: a shard asks again after `next`, so a long gap never makes one huge RPC. */
export const SHARD_PAGE = 500

/** Stored entries after a seq, serialized as the room's own sockets got them live (`log/entries.ts`). */
export interface LogSlice {
  /** Entries with seq > the asked seq, oldest first, from at most SHARD_PAGE log entries. */
  entries: ShardEntry[]
  /** The room's last seq when the slice was read. */
  lastSeq: number
  /** Null when the slice reaches `lastSeq`; otherwise ask again after this seq. */
  next: number | null
}

/** What a socket joining a shard needs besides the log: the ready frame's fields the room owns. */
export interface AttachReply extends LogSlice {
  reads: ReadPosition[]
  /** The room's revoked sessions still refused: the shard records them too. */
  revoked: RevokedSession[]
}

/** The frames a shard forwards to the room; it answers `ping`, `auth` and `resume` itself. */
export type ShardForwardedFrame = Extract<ParsedFrame, { type: 'send' | 'edit' | 'delete' | 'react' | 'read' | 'typing' }>

/** The room's answer to a frame a shard forwarded: for its sender only. */
export type ShardFrameReply =
  | { type: 'done' }
  | { type: 'ack'; ack: AckFrame }
  /** A typing notice: the shard sends it to its own sockets but the sender's (the room sent it to the rest). */
  | { type: 'relay'; payload: string }
  | { type: 'error'; code: ErrorCode; message: string; field?: string; clientId?: string }

async function sliceAfter(room: Room, seq: number): Promise<LogSlice> {
  const lastSeq = room.lastSeq
  const { entries, next } = await loadEntriesAfter(room, seq, SHARD_PAGE)
  return { entries: entries.map(serializeEntry), lastSeq, next }
}

/**
 * The log after `seq`, read inside the exclusive section: every entry stored after `lastSeq` is fed
 * to the shards after this reply was made, so a shard that delivers the slice and then every batch
 * after `lastSeq` misses nothing and repeats nothing (the room's replay-then-live rule, `admission.ts`).
 */
export function shardSync(room: Room, seq: number): Promise<LogSlice> {
  return room.exclusive(() => sliceAfter(room, seq))
}

/**
 * A socket of `userId` joins a shard whose stream has reached `shardSeq`, resuming after `since`
 * (null: no replay): the log after the lower of the two, so one read serves the socket's replay and
 * the shard's own catch-up. Null when `userId` is not a member (the shard answers 403 `not_member`):
 * the room's member set decides, as for its own sockets (`members.ts`; no D1 query once copied). The
 * check and the read are one exclusive step, so a removal is either seen here or closes the socket
 * on the shard afterwards (`closeOnShards`).
 */
export async function shardAttach(room: Room, userId: number, since: number | null, shardSeq: number): Promise<AttachReply | null> {
  if (!(await ensureMembers(room, room.env))) return null
  return room.exclusive(async () => {
    if (!room.members?.has(userId)) return null
    const slice = await sliceAfter(room, since === null ? shardSeq : Math.min(since, shardSeq))
    return { ...slice, reads: readsFor(room, userId), revoked: revokedSessionEntries(room.ctx.storage.kv, Date.now()) }
  })
}

/**
 * A frame of a socket on shard `index`, after the shard's own checks (expiry, size, flood, parse:
 * the same `runFrame` as the room's sockets), handled as the room handles its own sockets' frames.
 * The shard vouches for `member` (from the worker's verified header). A `send` is answered once its
 * batch was handed to that shard, so the ack follows the message there as it does in the room; an
 * edit, delete or react is confirmed by its `message_updated`, as in the room.
 */
export async function shardFrame(room: Room, index: number, member: Member, frame: ShardForwardedFrame): Promise<ShardFrameReply> {
  const clientId = 'client_id' in frame ? (frame.client_id ?? undefined) : undefined
  try {
    if (room.removed.has(member.userId)) throw new AppError('not_member', 'You are no longer a member of this chat.')
    switch (frame.type) {
      case 'send': {
        const { message, duplicate } = await publishFrame(room, member, frame, null)
        await deliveredTo(room.ctx, index)
        return { type: 'ack', ack: { type: 'ack', client_id: frame.client_id ?? null, id: message.id, seq: message.seq, duplicate } }
      }
      case 'edit':
        await onEdit(room, member, frame)
        return { type: 'done' }
      case 'delete':
        await onDelete(room, member, frame)
        return { type: 'done' }
      case 'react':
        await onReact(room, member, frame)
        return { type: 'done' }
      case 'read':
        onRead(room, member, frame.seq)
        return { type: 'done' }
      case 'typing': {
        const notice: TypingNoticeFrame = { type: 'typing', user_id: member.userId, username: member.username }
        const payload = JSON.stringify(notice)
        broadcastTo(listSockets(room.ctx).current, payload)
        notifyShards(room.ctx, payload, [], index)
        return { type: 'relay', payload }
      }
    }
  } catch (err) {
    if (err instanceof AppError) return { type: 'error', code: err.code, message: err.message, field: err.field, clientId }
    // Name and message only: never the frame, which holds the member's text.
    log.error('shard_frame_failed', { chat_id: room.chatId, frame: frame.type, ...errorFields(err) })
    return { type: 'error', code: 'internal', message: 'The frame could not be processed; try again.', clientId }
  }
}
