/**
 * The live channel: `GET /ws/me/?token=<access_token>`, subprotocol `edge-chat.v1` (required), one
 * per signed-in tab. It carries everything about the chats that are not open: list rows, removals
 * and the presence of people who share a chat with the user. Same Origin check, token and expiry
 * rules as the room socket (close 4001 unless renewed with `auth`). Every frame is one JSON text message.
 */
import * as v from 'valibot'
import { AuthFrameSchema, PingFrameSchema } from './frames'
import type { ChatListItem, PresenceBody } from './http'
import type { AuthOkFrame, ErrorFrame, PongFrame } from './socket'

/**
 * The client sends exactly `{"type":"ping"}` every CHANNEL_PING_INTERVAL_MS. Those bytes are answered
 * by the runtime (the hibernation API's automatic response), so pings never wake the server's object.
 */
export const CHANNEL_PING_FRAME = '{"type":"ping"}'
export const CHANNEL_PING_INTERVAL_MS = 25_000
/**
 * A channel whose last ping (or, before any, its opening) is older than this is closed by the server
 * (1001) and stops counting as online: a tab that died without closing turns offline within
 * CHANNEL_IDLE_LIMIT_MS + the server's sweep interval (20 s) + the presence settle time (1 s) < 60 s.
 */
export const CHANNEL_IDLE_LIMIT_MS = 35_000
/** After `ready`, at most this many `presence` frames describe who is online now (contacts in user-id order). */
export const PRESENCE_SNAPSHOT_MAX = 500

// Client -> server: `auth` renews the token, `ping` (any spelling) is answered with `pong`.
export const ChannelClientFrameSchema = v.variant('type', [AuthFrameSchema, PingFrameSchema], 'must be one of "auth", "ping".')
export type ChannelClientFrame = v.InferOutput<typeof ChannelClientFrameSchema>

// Server -> client

/** First frame after the upgrade; `presence` frames for who is online now follow it. */
export interface ChannelReadyFrame {
  type: 'ready'
  user_id: number
  /** When the current access token expires (ISO); renew with an `auth` frame before then. */
  token_expires_at: string
}
/** One row of GET /chat/list/ changed for this user (new chat, message, unread count, role, name). */
export interface ChatFrame {
  type: 'chat'
  chat: ChatListItem
}
/** The user left or was removed from the chat, or it was deleted: drop its row. */
export interface ChatRemovedFrame {
  type: 'chat_removed'
  chat_id: number
}
/** Someone who shares a chat with the user went online or offline. */
export interface PresenceFrame extends PresenceBody {
  type: 'presence'
  user_id: number
}
export type ChannelServerFrame = ChannelReadyFrame | ChatFrame | ChatRemovedFrame | PresenceFrame | AuthOkFrame | PongFrame | ErrorFrame
