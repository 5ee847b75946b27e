import { DurableObject } from 'cloudflare:workers'
import * as v from 'valibot'
import type { ErrorBody } from '../../../protocol/errors'
import type { HistoryResponse, MessageBody, SendResponse, SystemEvent } from '../../../protocol/http'
import { SocketQuerySchema } from '../../../protocol/requests'
import { CLOSE_CODES } from '../../../protocol/socket'
import type { Env } from '../../env'
import { AppError, errorResponse } from '../../errors'
import { decodeMember, MEMBER_HEADER, memberTag, type Member } from '../member'
import { dbForEnv } from '../../db/for-env'
import { isMetering, meterObject } from '../../metering/meter'
import { readReceiptsOn } from '../roster'
import { recentRevocations } from '../../auth/revocation'
import { isSessionRevoked } from '../../auth/revoked-sessions'
import { acceptSocket, admitMember, closeExpired, forgetMember, removeMember, undoAdmission, type Admission } from './admission'
import { destroyRoom, isDestroyed } from './destroy'
import { closeSocket } from './fan-out'
import { handleFrame } from './frames'
import { publishMessage } from './log/commit'
import { historyPage, ownMessagesAfter, summarize, type ChatSummary } from './log/history'
import { isResealPending, resealAfterWake, resealAll, resealBatch, resealOnAlarm, type ResealBatch } from './log/reseal'
import type { Sender } from './log/seal'
import { lastSeq, migrateLog, openLog, type LogDb } from './log/store'
import { registerNotifier } from './notify'
import { closeSessions } from './revocation'
import { ensureMembers } from './members'
import { setReceipts } from './receipts'
import { createExclusive, openRoom, type Room } from './room'
import { shardAttach, shardFrame, shardSync, type AttachReply, type LogSlice, type ShardForwardedFrame, type ShardFrameReply } from './shard-calls'
import { closeSessionsOnShards, planShards, raiseShardCount, registerShards, routeToShard } from './shards'
import { socketEntry, socketKindOf } from './sockets'
import { recordSystem } from './system-messages'

export type { AttachReply, ChatSummary, LogSlice, ResealBatch, ShardForwardedFrame, ShardFrameReply }

/** An RPC the room refused for the caller's reason: the route answers it as an AppError. */
export interface RoomRefusal {
  refused: ErrorBody['error']
}

/**
 * One Durable Object per chat, reached by `CHAT_ROOM.getByName(String(chatId))`; its name is its
 * chat id (`room.ts`). It holds only the platform entry points; socket identity lives in attachments
 * and tags, messages and cursors in its SQLite storage, so hibernation loses nothing (what is kept in
 * memory, `sockets.ts` and `Room`, is a cache of those or rebuilt empty).
 */
export class ChatRoom extends DurableObject<Env> {
  private readonly db: LogDb
  // Rebuilt on demand: the chain is empty whenever the object can hibernate, the room is a cache
  // (its seq is re-read from storage). One promise, so concurrent first frames share one room.
  private readonly exclusive = createExclusive()
  private opened: Promise<Room> | undefined
  private readonly migrated: Promise<void>

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.db = openLog(ctx.storage)
    this.migrated = ctx.blockConcurrencyWhile(() => migrateLog(this.db))
    registerNotifier(ctx, env)
    registerShards(ctx, env)
    if (isMetering(env)) meterObject(this, ctx, 'ChatRoom', ['room'])
  }

  private room(): Promise<Room> {
    if (!this.opened) {
      // The runtime holds events until the migrations ran; a caller holding the instance itself (a
      // test) is not held, and opening reads tables a migration may still have to create.
      const opened = this.migrated
        .then(() => openRoom(this.ctx, this.env, this.db, this.exclusive))
        .then(async (room) => {
          // A wake: rows still sealed under a master key get re-sealed soon, by the alarm.
          await resealAfterWake(room, Date.now())
          return room
        })
      this.opened = opened
      opened.catch(() => {
        if (this.opened === opened) this.opened = undefined
      })
    }
    return this.opened
  }

  override async fetch(request: Request): Promise<Response> {
    const member = decodeMember(request.headers.get(MEMBER_HEADER))
    if (!member || request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return errorResponse('invalid_request', 'Expected a WebSocket upgrade from the worker.')
    }
    if (isDestroyed(this.db)) return errorResponse('not_found', 'The chat was deleted.')
    const query = new URL(request.url).searchParams
    // The worker validated `since` already (upgrade.ts); a malformed one here is a bug, answered as bad input.
    const since = v.safeParse(SocketQuerySchema, { since: query.get('since') ?? undefined })
    if (!since.success) return errorResponse('invalid_request', '"since" must be a non-negative integer.')
    // The worker chose the protocol from Sec-WebSocket-Protocol (`rooms/subprotocol.ts`) and selects it in the 101.
    const kind = socketKindOf(query.get('subprotocol'))
    // A chat that does not exist (or was deleted) has no data key, so the room cannot open: that is
    // the caller's 404, not a server failure.
    const room = await this.room().catch((err: unknown) => {
      if (err instanceof AppError) return err
      throw err
    })
    if (room instanceof AppError) return errorResponse(room.code, room.message)
    if (!(await ensureMembers(room, this.env))) return errorResponse('not_found', 'No such chat.')
    // A sharded group: the worker takes a member's upgrade on to their fan-out shard (`shards.ts`).
    // A revoked session is refused here first: the shard's attach names the user, not the session.
    if (isSessionRevoked(this.ctx.storage.kv, member.sessionId, Date.now())) {
      return errorResponse('session_revoked', 'This session was signed out; sign in again.')
    }
    const routed = routeToShard(room, member.userId, kind === 'legacy')
    if (routed) return routed
    const accepted = await acceptSocket(room, member, since.output.since ?? null, kind)
    return accepted ?? errorResponse('not_member', 'You are not a member of this chat.')
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (!socketEntry(this.ctx, ws, Date.now())) return closeSocket(ws, CLOSE_CODES.internal, 'Unknown socket.')
    await handleFrame(await this.room(), ws, data)
  }

  // Hibernatable sockets get no automatic close reply, and the runtime keeps one until close() is
  // called, even when the peer vanished without a close frame (1006, 1015): returning early left
  // such sockets (about 6 descriptors and their buffers each) open for 10-20 s, which a reconnect
  // storm multiplies (issue #16). close() on a dead socket sends nothing and releases it at once
  // (partyserver 0.5.4, #393). 1005/1006/1015 are reserved and cannot be sent (RFC 6455 §7.4.1),
  // so they are answered as 1000.
  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    closeSocket(ws, code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, '')
  }

  override async alarm(): Promise<void> {
    await closeExpired(this.ctx, Date.now())
    if (isResealPending(this.db) && !isDestroyed(this.db)) await resealOnAlarm(() => this.room())
  }

  /**
   * Stores and broadcasts a message exactly like a socket `send` (POST /chat/<id>/send/); `replyTo`
   * is the seq of the message it answers. A refusal (a reply to no message, a member removed
   * meanwhile) comes back as `{ refused }`: an exception's code would not cross the RPC boundary.
   */
  async send(sender: Sender, text: string, clientId: string | null, replyTo: number | null = null): Promise<SendResponse | RoomRefusal> {
    try {
      return await publishMessage(await this.room(), sender, text, clientId, null, replyTo)
    } catch (err) {
      if (err instanceof AppError) return { refused: { code: err.code, message: err.message, ...(err.field === undefined ? {} : { field: err.field }) } }
      throw err
    }
  }

  /**
   * Appends a system message recording `event` (a join, a rename, ...) to the log, after every entry
   * stored so far, and broadcasts it as a `message` frame. Called by the chat routes after the D1
   * change. Returns the stored system message (`kind: "system"`).
   */
  async recordSystem(event: SystemEvent): Promise<MessageBody> {
    return recordSystem(await this.room(), event)
  }

  /**
   * The chat was deleted (`DELETE /chat/<id>/`, or its owner's account deletion left it empty), after
   * its data key was destroyed in D1 (`worker/keys/shred.ts`): drops the cached room (and with it the
   * unwrapped key), closes every socket with 4004 `chatDeleted`, deletes the alarm and erases the
   * storage (`destroy.ts`); later upgrades are refused.
   * Idempotent, so a retried deletion can call it again. Returns how many sockets were open.
   */
  async destroy(): Promise<number> {
    const opened = this.opened
    // The cached room (seq, removal marks) describes storage about to be erased.
    this.opened = undefined
    return destroyRoom(this.ctx, this.db, opened, Date.now())
  }

  /** A page of history: up to `limit` messages with seq < before (from the newest when null), oldest first. */
  async history(before: number | null, limit: number): Promise<HistoryResponse> {
    return historyPage(await this.room(), before, limit)
  }

  /** The newest message and how many messages from others `userId` has not read. */
  async summary(userId: number): Promise<ChatSummary> {
    return summarize(await this.room(), userId)
  }

  /**
   * A membership of `userId` starts (self-join, added by an owner/admin, a re-join): they become a
   * member of the room (which admits their sockets from then on), their read cursor moves to the last
   * seq, so unread counts start at 0, a removal mark is cleared, and their read-receipts setting and
   * their sessions revoked lately (refused from then on) are read from D1 (two queries at once). The
   * worker calls it before writing the membership to D1 (`chats/chats.ts`); every membership start
   * must. Returns that seq and the admission's number, for `undoAdmission` when the D1 write does not
   * happen.
   */
  async admit(userId: number): Promise<Admission> {
    const db = await dbForEnv(this.env)
    const nowMs = Date.now()
    const [receiptsOn, [revoked]] = await Promise.all([readReceiptsOn(db, userId), recentRevocations(db, { userId }, nowMs)])
    const room = await this.room()
    setReceipts(this.ctx, userId, receiptsOn)
    // Their sessions signed out lately are refused before they become a member: no revocation told
    // this room, they were not in the chat (worker/auth/revocation.ts closeRevokedInNewChat).
    if (revoked) await this.closeSessions(userId, revoked.sessionIds, revoked.untilMs)
    // The member set is what shards are planned from; a room not yet copied from D1 is copied now, once.
    await ensureMembers(room, this.env)
    const admitted = await admitMember(room, userId)
    await planShards(room)
    return admitted
  }

  /**
   * The membership write that followed `admit` did not happen (an invite used up or revoked
   * meanwhile, the account deleted, the write failed): admission number `admission` of `userId` is undone, their
   * sockets closed with 4003, unless they were admitted again since. Returns whether it was undone.
   */
  async undoAdmission(userId: number, admission: number): Promise<boolean> {
    if (isDestroyed(this.db)) return false
    return undoAdmission(await this.room(), userId, admission)
  }

  /**
   * A membership of `userId` ends: recorded in storage, so their next upgrade is refused, and their
   * open sockets close with 4003 between two batches. The worker calls it before deleting the
   * membership from D1. Returns how many sockets were open.
   */
  async removeMember(userId: number): Promise<number> {
    return removeMember(await this.room(), userId)
  }

  /**
   * The account of `userId` was deleted (DELETE /me/): their membership ends as with `removeMember`,
   * their open sockets close with 4005 `accountDeleted`, and every message of theirs is shown with
   * sender "Deleted user" from now on (the stored name is overwritten; the text stays readable to the
   * members). Idempotent. Returns how many sockets were open.
   */
  async forgetUser(userId: number): Promise<number> {
    return forgetMember(await this.room(), userId)
  }

  /**
   * Sessions of `userId` were revoked (sign-out, a session ended, a password change): their sockets
   * close with 4006 `sessionRevoked`, and upgrades and `auth` frames carrying them are refused until
   * `untilMs` (epoch ms: when their last access token has expired). Needs no open room (no D1 read,
   * no data key). Idempotent. Returns how many sockets were closed.
   */
  async closeSessions(userId: number, sessionIds: string[], untilMs: number): Promise<number> {
    // A deleted chat refuses everything already; its erased storage is not written again.
    if (isDestroyed(this.db)) return 0
    const here = closeSessions(this.ctx, userId, sessionIds, untilMs, Date.now())
    // A sharded group's sockets are on its shards, which keep their own list for `auth` frames.
    return here + (await closeSessionsOnShards(this.ctx, userId, sessionIds, untilMs))
  }

  /**
   * Up to `limit` messages sent by `userId` with seq > `after`, oldest first, decrypted (GET
   * /me/export/ reads a chat page by page with it). An empty page means there are no more.
   */
  async messagesOf(userId: number, after: number, limit: number): Promise<MessageBody[]> {
    return ownMessagesAfter(await this.room(), userId, after, limit)
  }

  /**
   * `userId` turned read receipts on or off (PATCH /me/): from now on their `read` frames are (not)
   * broadcast and they (do not) receive the others'.
   */
  async setReadReceipts(userId: number, on: boolean): Promise<void> {
    setReceipts(this.ctx, userId, on)
  }

  /**
   * Re-seals up to `limit` messages stored directly under a master key with the chat's data key
   * (`log/reseal.ts`); the key rotation walk (`worker/keys/rewrap.ts`) calls it until `remaining` is 0.
   */
  async resealMessages(limit: number): Promise<ResealBatch> {
    // A deleted chat's room was erased with its key: nothing is left to re-seal, and no key opens it.
    if (isDestroyed(this.db)) return { resealed: 0, unreadable: 0, remaining: 0 }
    return resealBatch(await this.room(), limit)
  }

  /**
   * Spreads this group's new sockets over `count` fan-out shards (`worker/rooms/shard/`), or more if it
   * already has more: a count never falls. `admit` raises it by itself past ROOM_SHARD_MEMBERS members
   * per shard; this sets it for one chat (tests, an operator). Returns the count in force.
   */
  async setShardCount(count: number): Promise<number> {
    await this.room()
    return raiseShardCount(this.ctx, count)
  }

  /** Shard RPC (`shard/stream.ts`): the log after `seq`, one page, read between two batches. */
  async shardSync(seq: number): Promise<LogSlice> {
    return shardSync(await this.room(), seq)
  }

  /**
   * Shard RPC: a socket of `userId` joins a shard whose stream is at `shardSeq`, resuming after
   * `since`; null = not a member, or the chat was deleted (the shard answers 403 / 404).
   */
  async shardAttach(userId: number, since: number | null, shardSeq: number): Promise<AttachReply | null> {
    if (isDestroyed(this.db)) return null
    // A chat deleted meanwhile has no data key left: a refusal, not a failure of the shard's upgrade.
    const room = await this.room().catch((err: unknown) => {
      if (err instanceof AppError) return null
      throw err
    })
    return room && shardAttach(room, userId, since, shardSeq)
  }

  /** Shard RPC: a frame of `member`'s socket on shard `index`, handled as the room's own sockets' frames. */
  async shardFrame(index: number, member: Member, frame: ShardForwardedFrame): Promise<ShardFrameReply> {
    return shardFrame(await this.room(), index, member, frame)
  }

  /**
   * Group deletion's first step, before the chat's data key is destroyed (`chats/delete.ts`): every
   * message still sealed directly under a master key is re-sealed with the data key now (the walk the
   * alarm does in batches, finished at once), so destroying the key shreds them too. Returns how many
   * rows it re-sealed; 0 when the chat has no key any more (a retried deletion: the erase that
   * follows removes whatever is left).
   */
  async resealForShredding(): Promise<number> {
    const room = await this.room().catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'not_found') return null
      throw err
    })
    return room ? resealAll(room) : 0
  }

  /** The highest seq stored so far (0 when empty). */
  async lastSeq(): Promise<number> {
    return lastSeq(this.ctx.storage.sql)
  }
}
