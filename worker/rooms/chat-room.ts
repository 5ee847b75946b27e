import { DurableObject } from 'cloudflare:workers'
import type { HistoryResponse, MessageBody, SendResponse } from '../../protocol/http'
import { CLOSE_CODES } from '../../protocol/socket'
import type { Env } from '../env'
import { errorResponse } from '../http/errors'
import { acceptSocket } from './connect'
import { closeExpired } from './expiry'
import { closeSocket } from './fan-out'
import { handleFrame } from './frames'
import { decodeMember, MEMBER_HEADER, memberTag } from './member'
import { toMessageBody, type Sender } from './messages'
import { publishMessage } from './publish'
import { createExclusive, openRoom, type Room } from './room'
import { socketEntry } from './sockets'
import { countUnread, lastSeq, listBefore, migrateRoom } from './store'

/** Preview and unread count of one chat for one member (GET /chat/list/). */
export interface ChatSummary {
  lastMessage: MessageBody | null
  unreadCount: number
}

/**
 * One Durable Object per chat. It holds only the platform entry points; socket identity lives in
 * attachments and tags, messages and cursors in its SQLite storage, so hibernation loses nothing
 * (what is kept in memory, `sockets.ts` and `Room`, is a cache of those or rebuilt empty).
 */
export class ChatRoom extends DurableObject<Env> {
  // Rebuilt on demand: the chain is empty whenever the object can hibernate, the room is a cache
  // (its seq is re-read from storage). One promise, so concurrent first frames share one room.
  private readonly exclusive = createExclusive()
  private room: { chatId: number; opened: Promise<Room> } | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    migrateRoom(ctx.storage.sql)
  }

  private open(chatId: number): Promise<Room> {
    if (this.room?.chatId !== chatId) {
      const opened = openRoom(this.ctx, this.env, chatId, this.exclusive)
      this.room = { chatId, opened }
      opened.catch(() => {
        if (this.room?.opened === opened) this.room = undefined
      })
    }
    return this.room.opened
  }

  override async fetch(request: Request): Promise<Response> {
    const member = decodeMember(request.headers.get(MEMBER_HEADER))
    if (!member || request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return errorResponse('invalid_request', 'Expected a WebSocket upgrade from the worker.')
    }
    const since = new URL(request.url).searchParams.get('since')
    return acceptSocket(await this.open(member.chatId), member, since === null ? null : Number(since))
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const socket = socketEntry(ws, Date.now())
    if (!socket) return closeSocket(ws, CLOSE_CODES.internal, 'Unknown socket.')
    await handleFrame(await this.open(socket.member.chatId), ws, data)
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

  /** Stores and broadcasts a message exactly like a socket `send` (POST /chat/<id>/send/). */
  async send(chatId: number, sender: Sender, text: string, clientId: string | null): Promise<SendResponse> {
    return publishMessage(await this.open(chatId), sender, text, clientId)
  }

  /** A page of history: up to `limit` messages with seq < before (all when null), oldest first. */
  async history(chatId: number, before: number | null, limit: number): Promise<HistoryResponse> {
    const room = await this.open(chatId)
    const rows = listBefore(this.ctx.storage.sql, before ?? Number.MAX_SAFE_INTEGER, limit + 1)
    const page = rows.length > limit ? rows.slice(1) : rows
    return { messages: await Promise.all(page.map((m) => toMessageBody(room, m))), has_more: rows.length > limit }
  }

  /** The newest message and how many messages from others `userId` has not read. */
  async summary(chatId: number, userId: number): Promise<ChatSummary> {
    const room = await this.open(chatId)
    const sql = this.ctx.storage.sql
    const [last] = listBefore(sql, Number.MAX_SAFE_INTEGER, 1)
    return { lastMessage: last ? await toMessageBody(room, last) : null, unreadCount: countUnread(sql, userId) }
  }

  /** Closes every socket of a user whose membership ended (4003). Returns how many were open. */
  async removeMember(chatId: number, userId: number): Promise<number> {
    await this.open(chatId)
    const sockets = this.ctx.getWebSockets(memberTag(userId))
    for (const ws of sockets) closeSocket(ws, CLOSE_CODES.notMember, 'You are no longer a member of this chat.')
    return sockets.length
  }

  /** The highest seq stored so far (0 when empty). */
  async lastSeq(chatId: number): Promise<number> {
    await this.open(chatId)
    return lastSeq(this.ctx.storage.sql)
  }
}
