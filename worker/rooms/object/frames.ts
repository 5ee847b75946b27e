import type { ErrorCode } from '../../../protocol/errors'
import { CLOSE_CODES, MAX_FRAME_BYTES, type ErrorFrame, type TypingNoticeFrame } from '../../../protocol/socket'
import { AppError } from '../../errors'
import { errorFields, log } from '../../log'
import type { Member } from '../member'
import { parseClientFrame, SendRefused, type ParsedFrame } from '../parse-frame'
import { onAuth, onResume } from './admission'
import { broadcast, closeSocket, sendFrame } from './fan-out'
import { publishMessage } from './log/commit'
import { onRead } from './receipts'
import type { Room } from './room'
import { socketEntry, takeToken } from './sockets'

// One client frame inside the room: checks in order, then the handler for its type.

const encoder = new TextEncoder()

function byteLength(data: string | ArrayBuffer): number {
  if (typeof data !== 'string') return data.byteLength
  // A UTF-16 unit is at most 3 UTF-8 bytes: most frames need no encoding to be known small enough.
  return data.length * 3 <= MAX_FRAME_BYTES ? data.length : encoder.encode(data).byteLength
}

export function dispatch(room: Room, ws: WebSocket, member: Member, frame: ParsedFrame): Promise<void> | void {
  switch (frame.type) {
    case 'send':
      // The batch acks the sender right after the message's broadcast; awaiting only surfaces a failure.
      return publishMessage(room, member, frame.text, frame.client_id ?? null, ws).then(() => {})
    case 'resume':
      return onResume(room, ws, frame.since)
    case 'auth':
      return onAuth(room, ws, frame)
    case 'read':
      return onRead(room, member, frame.seq)
    case 'typing': {
      const notice: TypingNoticeFrame = { type: 'typing', user_id: member.userId, username: member.username }
      return broadcast(room.ctx, JSON.stringify(notice), ws)
    }
    case 'ping':
      return sendFrame(ws, { type: 'pong' })
    default:
      return assertNever(frame)
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled frame ${JSON.stringify(value)}`)
}

function sendError(ws: WebSocket, code: ErrorCode, message: string, clientId?: string, field?: string): void {
  const frame: ErrorFrame = { type: 'error', code, message }
  if (clientId !== undefined) frame.client_id = clientId
  if (field !== undefined) frame.field = field
  sendFrame(ws, frame)
}

/**
 * One socket frame, in order: expiry and size checks, flood control, parse, handler. A bad frame
 * gets an error frame and the socket stays open; only expiry, size and a sustained flood close it.
 */
export async function handleFrame(room: Room, ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
  // Frames of one socket may be handled concurrently once a handler awaits: everything up to the
  // dispatch is synchronous, so the bucket is read and replaced without another frame in between.
  const nowMs = Date.now()
  const socket = socketEntry(ws, nowMs)
  if (!socket) return closeSocket(ws, CLOSE_CODES.internal, 'Unknown socket.')
  if (socket.member.tokenExpiresAtMs <= nowMs) return closeSocket(ws, CLOSE_CODES.tokenExpired, 'The access token expired.')
  if (byteLength(data) > MAX_FRAME_BYTES) return closeSocket(ws, CLOSE_CODES.tooBig, 'The frame is too large.')
  const { bucket, verdict } = takeToken(socket.flood, nowMs)
  socket.flood = bucket
  if (verdict === 'close') return closeSocket(ws, CLOSE_CODES.rateLimited, 'Too many frames.')
  if (verdict === 'refuse') return sendError(ws, 'rate_limited', 'Too many frames; slow down.')
  if (typeof data !== 'string') return sendError(ws, 'invalid_request', 'Binary frames are not accepted; send JSON text.')
  let frame: ParsedFrame | undefined
  try {
    frame = parseClientFrame(data)
    await dispatch(room, ws, socket.member, frame)
  } catch (err) {
    const clientId = err instanceof SendRefused ? err.clientId : frame?.type === 'send' ? frame.client_id : undefined
    if (err instanceof AppError) return sendError(ws, err.code, err.message, clientId, err.field)
    // Name and message only: never the frame, which holds the member's text or token.
    log.error('frame_failed', { chat_id: room.chatId, frame: frame?.type, ...errorFields(err) })
    sendError(ws, 'internal', 'The frame could not be processed; try again.', clientId)
  }
}
