import { DurableObject } from 'cloudflare:workers'
import * as v from 'valibot'
import type { ErrorBody } from '../../../protocol/errors'
import type { HistoryResponse, MessageBody, SendResponse, SystemEvent } from '../../../protocol/http'
import { SocketQuerySchema } from '../../../protocol/requests'
import { CLOSE_CODES, SUBPROTOCOL } from '../../../protocol/socket'
import type { Env } from '../../env'
import { AppError, errorResponse } from '../../errors'
import { decodeMember, MEMBER_HEADER, memberTag } from '../member'
import { decodeReceiptsOff, RECEIPTS_OFF_HEADER } from '../receipts'
import { acceptSocket, admitMember, closeExpired, removeMember } from './admission'
import { destroyRoom, isDestroyed } from './destroy'
import { closeSocket } from './fan-out'
import { handleFrame } from './frames'
import { publishMessage } from './log/commit'
import { historyPage, summarize, type ChatSummary } from './log/history'
import type { Sender } from './log/seal'
import { lastSeq, migrateLog, openLog, type LogDb } from './log/store'
import { registerNotifier } from './notify'
import { recordReceiptsOff, setReceipts } from './receipts'
import { createExclusive, openRoom, type Room } from './room'
import { socketEntry } from './sockets'
import { recordSystem } from './system-messages'

export type { ChatSummary }

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
  }

  private room(): Promise<Room> {
    if (!this.opened) {
      // The runtime holds events until the migrations ran; a caller holding the instance itself (a
      // test) is not held, and opening reads tables a migration may still have to create.
      const opened = this.migrated.then(() => openRoom(this.ctx, this.env, this.db, this.exclusive))
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
    const receiptsOff = decodeReceiptsOff(request.headers.get(RECEIPTS_OFF_HEADER))
    if (receiptsOff) recordReceiptsOff(this.ctx, receiptsOff)
    const query = new URL(request.url).searchParams
    // The worker validated `since` already (upgrade.ts); a malformed one here is a bug, answered as bad input.
    const since = v.safeParse(SocketQuerySchema, { since: query.get('since') ?? undefined })
    if (!since.success) return errorResponse('invalid_request', '"since" must be a non-negative integer.')
    // The worker chose the protocol from Sec-WebSocket-Protocol (`rooms/subprotocol.ts`) and selects it in the 101.
    const legacy = query.get('subprotocol') !== SUBPROTOCOL
    const accepted = await acceptSocket(await this.room(), member, since.output.since ?? null, legacy)
    return accepted ?? errorResponse('not_member', 'You are not a member of this chat.')
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (!socketEntry(this.ctx, ws, Date.now())) return closeSocket(ws, CLOSE_CODES.internal, 'Unknown socket.')
    await handleFrame(await this.room(), ws, data)
  }

  // Hibernatable sockets get no automatic close reply. 1005 means "no code" and cannot be sent back;
  // after 1006/1015 there is no peer left to answer (partyserver's closeQuietly).
  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    if (code === 1006 || code === 1015) return
    closeSocket(ws, code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, '')
  }

  override async alarm(): Promise<void> {
    await closeExpired(this.ctx, Date.now())
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
   * The chat was deleted (`DELETE /chat/<id>/`, after D1 marked it so): closes every socket with 4004
   * `chatDeleted`, deletes the alarm and erases the storage (`destroy.ts`); later upgrades are refused.
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
   * A membership of `userId` starts (self-join, added by an owner/admin, a re-join): their read
   * cursor moves to the last seq, so unread counts start at 0, and a removal mark is cleared. The
   * worker calls it before writing the membership to D1 (`chats/chats.ts`). Returns that seq.
   */
  async admit(userId: number): Promise<number> {
    return admitMember(await this.room(), userId)
  }

  /**
   * A membership of `userId` ends: recorded in storage, so a socket the worker admitted before the
   * D1 change is refused, and their open sockets close with 4003 between two batches. The worker
   * calls it before deleting the membership from D1. Returns how many sockets were open.
   */
  async removeMember(userId: number): Promise<number> {
    return removeMember(await this.room(), userId)
  }

  /**
   * `userId` turned read receipts on or off (PATCH /me/): from now on their `read` frames are (not)
   * broadcast and they (do not) receive the others'.
   */
  async setReadReceipts(userId: number, on: boolean): Promise<void> {
    setReceipts(this.ctx, userId, on)
  }

  /** The highest seq stored so far (0 when empty). */
  async lastSeq(): Promise<number> {
    return lastSeq(this.ctx.storage.sql)
  }
}
