/**
 * WebSocket protocol of a chat room: `GET /ws/chat/<chat_id>/?token=<access_token>[&since=<seq>]`.
 * Every frame is one JSON text message. Errors before the upgrade use the HTTP error body;
 * after it, an `error` frame (the socket stays open) or one of the close codes below.
 */
import type { ErrorCode } from './errors'
import type { MessageBody } from './http'

/** Close codes 4000-4999 are ours; 1000/1008/1009/1011 keep their RFC 6455 meaning. */
export const CLOSE_CODES = {
  /** Normal closure. */
  normal: 1000,
  /** The server is going away (deploy or shutdown); reconnect. */
  goingAway: 1001,
  /** A frame larger than MAX_FRAME_BYTES. */
  tooBig: 1009,
  /** Unexpected server failure; reconnect with backoff. */
  internal: 1011,
  /** The access token expired and no `auth` frame renewed it; refresh, then reconnect with `since`. */
  tokenExpired: 4001,
  /** The token presented in an `auth` frame is invalid or belongs to someone else. */
  invalidToken: 4002,
  /** The user is no longer a member of this chat. Do not reconnect. */
  notMember: 4003,
  /** Too many frames too fast, even after error frames warned. Reconnect later. */
  rateLimited: 4029,
} as const

/** Bytes; a larger frame closes the socket with 1009. */
export const MAX_FRAME_BYTES = 32 * 1024

/**
 * Flood control per socket, a token bucket: up to FRAME_BURST frames at once, refilled at
 * FRAMES_PER_SECOND. A frame over the limit gets a `rate_limited` error frame and is dropped;
 * a socket that keeps going past FRAME_BURST further refusals is closed with 4029.
 */
export const FRAMES_PER_SECOND = 25
export const FRAME_BURST = 50

// Client -> server

/** The seed app's frame: send `message` as text. */
export interface LegacySendFrame {
  message: string
}
/** Send `text`; `client_id` (1-64 chars) makes a resend idempotent and is echoed in the ack. */
export interface SendFrame {
  type: 'send'
  client_id?: string
  text: string
}
/** Deliver every stored message with seq > since, in order, then a `resumed` frame. */
export interface ResumeFrame {
  type: 'resume'
  since: number
}
/** Renew the socket's authentication with a fresh access token before the old one expires. */
export interface AuthFrame {
  type: 'auth'
  token: string
}
/** Mark messages up to `seq` as read (drives unread counts). */
export interface ReadFrame {
  type: 'read'
  seq: number
}
/** The sender is typing; relayed to the other members, never stored. */
export interface TypingFrame {
  type: 'typing'
}
export interface PingFrame {
  type: 'ping'
}
export type ClientFrame = LegacySendFrame | SendFrame | ResumeFrame | AuthFrame | ReadFrame | TypingFrame | PingFrame

// Server -> client

/** First frame after the upgrade. */
export interface ReadyFrame {
  type: 'ready'
  chat_id: number
  user_id: number
  last_seq: number
  /** When the current access token expires (ISO); renew with an `auth` frame before then. */
  token_expires_at: string
}
/** A stored message, delivered to every connected member (the seed's fields plus ours). */
export interface MessageFrame extends MessageBody {
  type: 'message'
}
/** Sent only to the sender once its message is durably stored. */
export interface AckFrame {
  type: 'ack'
  client_id: string | null
  id: string
  seq: number
  /** True when `client_id` was already stored: nothing new was stored or broadcast. */
  duplicate: boolean
}
/** Sent after the replay that a `since` query or `resume` frame asked for. */
export interface ResumedFrame {
  type: 'resumed'
  last_seq: number
}
export interface AuthOkFrame {
  type: 'auth_ok'
  token_expires_at: string
}
export interface TypingNoticeFrame {
  type: 'typing'
  user_id: number
  username: string
}
export interface PongFrame {
  type: 'pong'
}
export interface ErrorFrame {
  type: 'error'
  code: ErrorCode
  message: string
  /** Set when the error refers to a `send` frame that carried one. */
  client_id?: string
}
export type ServerFrame =
  | ReadyFrame
  | MessageFrame
  | AckFrame
  | ResumedFrame
  | AuthOkFrame
  | TypingNoticeFrame
  | PongFrame
  | ErrorFrame

/**
 * The WebSocket subprotocol (RFC 6455 §1.9, `Sec-WebSocket-Protocol`) of the frames above. A client
 * that offers it gets it selected in the 101 response and speaks this protocol; a socket that offers
 * no subprotocol is a client of the seed's API and gets only `LegacyMessageFrame`s.
 */
export const SUBPROTOCOL = 'edge-chat.v1'

/** What a socket without a subprotocol receives: a stored message in the seed's shape (no `type`). */
export type LegacyMessageFrame = MessageBody
