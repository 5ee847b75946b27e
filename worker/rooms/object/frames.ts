import type { ErrorCode } from '../../../protocol/errors'
import { CLOSE_CODES, MAX_FRAME_BYTES, type ErrorFrame, type TypingNoticeFrame } from '../../../protocol/socket'
import type { SendResponse } from '../../../protocol/http'
import { AppError } from '../../errors'
import { errorFields, log } from '../../log'
import type { Member } from '../member'
import { parseClientFrame, SendRefused, type ParsedFrame } from './parse-frame'
import { onDelete, onEdit, onReact } from './actions'
import { onAuth, onResume } from './admission'
import { broadcast, closeSocket, closeWhenSettled, sendFrame, settleFrame } from './fan-out'
import { publishMessage, publishWithAttachments } from './log/commit'
import { onRead } from './receipts'
import type { Room } from './room'
import { socketEntry, takeToken, type SocketEntry } from './sockets'

// One client frame inside the room: checks in order, then the handler for its type.

const encoder = new TextEncoder()

function byteLength(data: string | ArrayBuffer): number {
  if (typeof data !== 'string') return data.byteLength
  // A UTF-16 unit is at most 3 UTF-8 bytes: most frames need no encoding to be known small enough.
  return data.length * 3 <= MAX_FRAME_BYTES ? data.length : encoder.encode(data).byteLength
}

export function dispatch(room: Room, ws: WebSocket, socket: SocketEntry, frame: ParsedFrame): Promise<void> | void {
  const { member } = socket
  switch (frame.type) {
    case 'send':
      // The batch acks the sender right after the message's broadcast; awaiting only surfaces a failure.
      // A legacy socket is never acked: the seed's client would show the ack as a message.
      return publishFrame(room, member, frame, socket.legacy ? null : ws).then(() => {})
    case 'edit':
      return onEdit(room, member, frame)
    case 'delete':
      return onDelete(room, member, frame)
    case 'react':
      return onReact(room, member, frame)
    case 'resume':
      return onResume(room, ws, socket, frame.since)
    case 'auth':
      return onAuth(room, ws, socket, frame)
    case 'read':
      return onRead(room, member, frame.seq)
    case 'typing': {
      const notice: TypingNoticeFrame = { type: 'typing', user_id: member.userId, username: member.username }
      return broadcast(room.ctx, JSON.stringify(notice), ws)
    }
    case 'ping':
      return socket.legacy ? undefined : sendFrame(ws, { type: 'pong' })
    default:
      return assertNever(frame)
  }
}

/**
 * A `send` frame into the group commit, with or without attachments; `ackTo` gets the ack right after
 * the message's broadcast (null: the caller answers, as a fan-out shard does). Throws AppError.
 */
export function publishFrame(room: Room, member: Member, frame: Extract<ParsedFrame, { type: 'send' }>, ackTo: WebSocket | null): Promise<SendResponse> {
  if (frame.attachments?.length) {
    const send = { text: frame.text ?? '', clientId: frame.client_id ?? null, attachmentIds: frame.attachments, replyTo: frame.reply_to ?? null }
    return publishWithAttachments(room, member, send, ackTo)
  }
  if (frame.text === undefined) throw new AppError('invalid_request', '"text" is required.', 'text')
  return publishMessage(room, member, frame.text, frame.client_id ?? null, ackTo, frame.reply_to ?? null)
}

function assertNever(value: never): never {
  throw new Error(`unhandled frame ${JSON.stringify(value)}`)
}

/** An error frame; a legacy socket gets none (the seed's client would show it as a message), its frame is dropped. */
export function sendError(ws: WebSocket, socket: SocketEntry, code: ErrorCode, message: string, clientId?: string, field?: string): void {
  if (socket.legacy) return
  const frame: ErrorFrame = { type: 'error', code, message }
  if (clientId !== undefined) frame.client_id = clientId
  if (field !== undefined) frame.field = field
  sendFrame(ws, frame)
}

/**
 * One socket frame, in order: a pending close, expiry and size checks, flood control, parse, handler.
 * A bad frame gets an error frame and the socket stays open; only expiry, size and a sustained flood
 * close it, and only after every frame taken before has been answered (`closeWhenSettled`).
 */
export function handleFrame(room: Room, ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
  return runFrame(room.ctx, room.chatId, ws, data, (socket, frame) => dispatch(room, ws, socket, frame))
}

/**
 * `handleFrame`'s checks for any object holding member sockets (the room, a fan-out shard), with
 * `handler` in place of the room's dispatch. Throws nothing: failures become error frames.
 */
export async function runFrame(
  ctx: DurableObjectState,
  chatId: number,
  ws: WebSocket,
  data: string | ArrayBuffer,
  handler: (socket: SocketEntry, frame: ParsedFrame) => Promise<void> | void,
): Promise<void> {
  // Frames of one socket may be handled concurrently once a handler awaits: everything up to the
  // dispatch is synchronous, so the bucket is read and replaced without another frame in between.
  const nowMs = Date.now()
  const socket = socketEntry(ctx, ws, nowMs)
  if (!socket) return closeSocket(ws, CLOSE_CODES.internal, 'Unknown socket.')
  // The server is closing this socket: frames after that decision are neither stored nor answered.
  if (socket.closing) return
  if (socket.member.tokenExpiresAtMs <= nowMs) return closeWhenSettled(ws, socket, CLOSE_CODES.tokenExpired, 'The access token expired.')
  if (byteLength(data) > MAX_FRAME_BYTES) return closeWhenSettled(ws, socket, CLOSE_CODES.tooBig, 'The frame is too large.')
  const { bucket, verdict } = takeToken(socket.flood, nowMs)
  socket.flood = bucket
  if (verdict === 'close') return closeWhenSettled(ws, socket, CLOSE_CODES.rateLimited, 'Too many frames.')
  if (verdict === 'refuse') return sendError(ws, socket, 'rate_limited', 'Too many frames; slow down.')
  if (typeof data !== 'string') return sendError(ws, socket, 'invalid_request', 'Binary frames are not accepted; send JSON text.')
  socket.inFlight += 1
  let frame: ParsedFrame | undefined
  try {
    frame = parseClientFrame(data)
    await handler(socket, frame)
  } catch (err) {
    const clientId = err instanceof SendRefused ? err.clientId : frame && 'client_id' in frame ? (frame.client_id ?? undefined) : undefined
    if (err instanceof AppError) return sendError(ws, socket, err.code, err.message, clientId, err.field)
    // Name and message only: never the frame, which holds the member's text or token.
    log.error('frame_failed', { chat_id: chatId, frame: frame?.type, ...errorFields(err) })
    sendError(ws, socket, 'internal', 'The frame could not be processed; try again.', clientId)
  } finally {
    settleFrame(ws, socket)
  }
}
