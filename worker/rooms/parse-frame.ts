import { MESSAGE_MAX_CHARS } from '../../protocol/http'
import type { AuthFrame, PingFrame, ReadFrame, ResumeFrame, SendFrame, TypingFrame } from '../../protocol/socket'
import { parseJsonObject } from '../http/body'
import { AppError } from '../http/errors'

/** A client frame after validation; the seed's `{ message }` arrives here as a `send` without client_id. */
export type ParsedFrame = SendFrame | ResumeFrame | AuthFrame | ReadFrame | TypingFrame | PingFrame

/** A refused `send` whose client_id was valid, so the error frame can name the message it refers to. */
export class SendRefused extends AppError {
  constructor(
    cause: AppError,
    readonly clientId: string,
  ) {
    super(cause.code, cause.message)
  }
}

export const CLIENT_ID_PATTERN = /^[\x21-\x7e]{1,64}$/
const MAX_TOKEN_CHARS = 4096

/** Message text: 1 to MESSAGE_MAX_CHARS characters, not only whitespace. Kept as sent. */
export function parseMessageText(raw: unknown, field: string): string {
  if (raw === undefined || raw === null) throw new AppError('invalid_request', `"${field}" is required.`)
  if (typeof raw !== 'string') throw new AppError('invalid_request', `"${field}" must be a string.`)
  if (raw.trim() === '') throw new AppError('invalid_request', `"${field}" must not be empty.`)
  if (raw.length > MESSAGE_MAX_CHARS && [...raw].length > MESSAGE_MAX_CHARS) {
    throw new AppError('invalid_request', `"${field}" must be at most ${MESSAGE_MAX_CHARS} characters.`)
  }
  return raw
}

/** Optional idempotency key: 1-64 visible ASCII characters. */
export function parseClientId(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null
  if (typeof raw !== 'string' || !CLIENT_ID_PATTERN.test(raw)) {
    throw new AppError('invalid_request', '"client_id" must be 1-64 visible ASCII characters.')
  }
  return raw
}

function parseSeq(raw: unknown, field: string): number {
  if (typeof raw !== 'number' || !Number.isSafeInteger(raw) || raw < 0) {
    throw new AppError('invalid_request', `"${field}" must be a non-negative integer.`)
  }
  return raw
}

/** Validates one text frame; throws `invalid_json` or `invalid_request` naming the problem. */
export function parseClientFrame(raw: string): ParsedFrame {
  const frame = parseJsonObject(raw, 'The frame')
  if (frame.type === undefined && 'message' in frame) return { type: 'send', text: parseMessageText(frame.message, 'message') }
  switch (frame.type) {
    case 'send': {
      const clientId = parseClientId(frame.client_id)
      if (clientId === null) return { type: 'send', text: parseMessageText(frame.text, 'text') }
      try {
        return { type: 'send', client_id: clientId, text: parseMessageText(frame.text, 'text') }
      } catch (err) {
        throw err instanceof AppError ? new SendRefused(err, clientId) : err
      }
    }
    case 'resume':
      return { type: 'resume', since: parseSeq(frame.since, 'since') }
    case 'auth':
      if (typeof frame.token !== 'string' || frame.token === '' || frame.token.length > MAX_TOKEN_CHARS) {
        throw new AppError('invalid_request', '"token" must be an access token.')
      }
      return { type: 'auth', token: frame.token }
    case 'read':
      return { type: 'read', seq: parseSeq(frame.seq, 'seq') }
    case 'typing':
      return { type: 'typing' }
    case 'ping':
      return { type: 'ping' }
    default:
      throw new AppError('invalid_request', 'Unknown frame type.')
  }
}
