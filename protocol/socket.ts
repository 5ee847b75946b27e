/**
 * WebSocket protocol of a chat room: `GET /ws/chat/<chat_id>/?token=<access_token>[&since=<seq>]`.
 * Every frame is one JSON text message. Errors before the upgrade use the HTTP error body;
 * after it, an `error` frame (the socket stays open) or one of the close codes below.
 */
import type { ErrorCode } from './errors'
import { ENVELOPE_BYTES, MESSAGE_MAX_CHARS, type MessageBody } from './http'
import { MAX_WIRE_BYTES_PER_CHAR } from './text'

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
  /** The chat was deleted (`DELETE /chat/<id>/`, or its owner's account deletion left it empty). Do not reconnect. */
  chatDeleted: 4004,
  /** The account was deleted (DELETE /me/); room sockets and live channels alike. Do not reconnect. */
  accountDeleted: 4005,
  /**
   * The socket's session was revoked (sign-out, a password change, a session ended from another
   * device). Refresh: if the refresh is refused too, sign in again.
   */
  sessionRevoked: 4006,
  /** Too many frames too fast, even after error frames warned. Reconnect later. */
  rateLimited: 4029,
} as const

/**
 * Largest frame, in bytes; a larger one closes the socket with 1009. Derived like MAX_BODY_BYTES:
 * 4,000 characters × 12 bytes (an astral character `\u`-escaped in JSON) + ENVELOPE_BYTES = 50,048,
 * so a frame carrying text valid by the rule is never closed for its size; over-long text gets an
 * `invalid_request` error frame instead.
 */
export const MAX_FRAME_BYTES = MESSAGE_MAX_CHARS * MAX_WIRE_BYTES_PER_CHAR + ENVELOPE_BYTES

/**
 * Flood control per socket, a token bucket: up to FRAME_BURST frames at once, refilled at
 * FRAMES_PER_SECOND. A frame over the limit gets a `rate_limited` error frame and is dropped;
 * a socket that keeps going past FRAME_BURST further refusals is closed with 4029.
 */
export const FRAMES_PER_SECOND = 25
export const FRAME_BURST = 50

// Client -> server: schemas and types in frames.ts.
export type {
  AuthFrame,
  ClientFrame,
  DeleteFrame,
  EditFrame,
  LegacySendFrame,
  PingFrame,
  ReactFrame,
  ReadFrame,
  ResumeFrame,
  SendFrame,
  TypingFrame,
} from './frames'

// Server -> client

/** First frame after the upgrade. */
export interface ReadyFrame {
  type: 'ready'
  chat_id: number
  user_id: number
  /** The highest entry seq of the chat's log (messages, system messages and changes); 0 when empty. */
  last_seq: number
  /** When the current access token expires (ISO); renew with an `auth` frame before then. */
  token_expires_at: string
  /**
   * The other members' read positions, so "Seen" is right at once. Empty when the reader has read
   * receipts off; members with receipts off are left out.
   */
  reads: ReadPosition[]
}
/** How far one member has read: every message with seq <= `seq`. */
export interface ReadPosition {
  user_id: number
  seq: number
}
/** A stored message or system message, delivered to every connected member (the seed's fields plus ours). */
export interface MessageFrame extends MessageBody {
  type: 'message'
}
/**
 * `edge-chat.v2` only: two or more consecutive messages, in place of that many `message` frames:
 * those stored by one commit, or a run of messages in a replay page (a change entry between them
 * still comes as its own `message_updated`). `messages` is in seq order, each item exactly what its
 * `message` frame would carry minus `type`. A lone message is still sent as a `message` frame; the
 * sender's acks follow the frame holding their messages.
 */
export interface MessagesFrame {
  type: 'messages'
  messages: MessageBody[]
}
/**
 * A change entry (an edit, a deletion, a reaction added or taken back) was stored at `seq`:
 * `message` is the changed message's full current state (its own seq is `message.seq`). Sent to
 * every connected member, the author of the change too: that is its confirmation.
 */
export interface MessageUpdatedFrame {
  type: 'message_updated'
  seq: number
  message: MessageBody
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
/**
 * Another member's read position moved (a read receipt). Neither sent for a member with read
 * receipts off nor to one.
 */
export interface ReadNoticeFrame extends ReadPosition {
  type: 'read'
}
export interface ErrorFrame {
  type: 'error'
  code: ErrorCode
  message: string
  /** Set when the error refers to a `send`, `edit`, `delete` or `react` frame that carried one. */
  client_id?: string
  /** Set on `invalid_request` when one field of the frame is at fault (`"text"`, `"seq"`). */
  field?: string
}
export type ServerFrame =
  | ReadyFrame
  | MessageFrame
  | MessagesFrame
  | MessageUpdatedFrame
  | AckFrame
  | ResumedFrame
  | AuthOkFrame
  | TypingNoticeFrame
  | ReadNoticeFrame
  | PongFrame
  | ErrorFrame

/**
 * The WebSocket subprotocol (RFC 6455 §1.9, `Sec-WebSocket-Protocol`) of the frames above. A client
 * that offers it gets it selected in the 101 response and speaks this protocol; a socket that offers
 * no subprotocol is a client of the seed's API and gets only `LegacyMessageFrame`s.
 */
export const SUBPROTOCOL = 'edge-chat.v1'

/**
 * `edge-chat.v1` plus the `messages` frame (MessagesFrame): a room sends a commit of several messages
 * as one frame per socket instead of one per message (issue #16: a socket send per frame was a third
 * of a busy room's CPU). Offered before v1 by a client that handles `messages`; the server selects
 * the client's most preferred name it speaks (RFC 6455 §4.1).
 */
export const SUBPROTOCOL_V2 = 'edge-chat.v2'

/** What a room client offers, most preferred first: a v2 client still reaches a v1-only server. */
export const ROOM_SUBPROTOCOLS = [SUBPROTOCOL_V2, SUBPROTOCOL] as const

/** A subprotocol a room socket can speak. */
export type RoomSubprotocol = (typeof ROOM_SUBPROTOCOLS)[number]

/**
 * What a socket without a subprotocol receives: a stored message in the seed's shape, the seed's
 * fields plus our ids, no `type`. System messages and changes are not sent to it.
 */
export type LegacyMessageFrame = Pick<MessageBody, 'id' | 'seq' | 'chat_id' | 'sender' | 'sender_id' | 'message' | 'created_at' | 'client_id'>
