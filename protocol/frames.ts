/**
 * One schema per client socket frame, and the frame types inferred from them. Frames are JSON, so
 * numbers must be JSON numbers. The worker parses each text frame with `ClientFrameSchema`.
 */
import * as v from 'valibot'
import { MessageText, OptionalClientId, Seq } from './fields'

/** Longest token accepted in an `auth` frame (UTF-16 units; ours are about 300). */
export const MAX_TOKEN_CHARS = 4096

/** The seed app's frame: send `message` as text. It has no `type`; parsed as a `send` without client_id. */
export const LegacySendFrameSchema = v.object({ type: v.optional(v.undefined()), message: MessageText })
/** Send `text`; `client_id` (1-64 visible ASCII characters; null = none) makes a resend idempotent and is echoed in the ack. */
export const SendFrameSchema = v.object({ type: v.literal('send'), client_id: OptionalClientId, text: MessageText })
/** Deliver every stored message with seq > since, in order, then a `resumed` frame. */
export const ResumeFrameSchema = v.object({ type: v.literal('resume'), since: Seq })
/** Renew the socket's authentication with a fresh access token before the old one expires. */
export const AuthFrameSchema = v.object({
  type: v.literal('auth'),
  token: v.pipe(v.string('must be an access token.'), v.minLength(1, 'must be an access token.'), v.maxLength(MAX_TOKEN_CHARS, 'must be an access token.')),
})
/** Mark messages up to `seq` as read (drives unread counts). */
export const ReadFrameSchema = v.object({ type: v.literal('read'), seq: Seq })
/** The sender is typing; relayed to the other members, never stored. */
export const TypingFrameSchema = v.object({ type: v.literal('typing') })
export const PingFrameSchema = v.object({ type: v.literal('ping') })

export type LegacySendFrame = v.InferInput<typeof LegacySendFrameSchema>
export type SendFrame = v.InferOutput<typeof SendFrameSchema>
export type ResumeFrame = v.InferOutput<typeof ResumeFrameSchema>
export type AuthFrame = v.InferOutput<typeof AuthFrameSchema>
export type ReadFrame = v.InferOutput<typeof ReadFrameSchema>
export type TypingFrame = v.InferOutput<typeof TypingFrameSchema>
export type PingFrame = v.InferOutput<typeof PingFrameSchema>
/** What a client may send. */
export type ClientFrame = LegacySendFrame | SendFrame | ResumeFrame | AuthFrame | ReadFrame | TypingFrame | PingFrame

/** Any client frame, chosen by `type` (none = the seed's frame); the seed's frame comes out as a `send`. */
export const ClientFrameSchema = v.pipe(
  v.variant(
    'type',
    [LegacySendFrameSchema, SendFrameSchema, ResumeFrameSchema, AuthFrameSchema, ReadFrameSchema, TypingFrameSchema, PingFrameSchema],
    'must be one of "send", "resume", "auth", "read", "typing", "ping".',
  ),
  v.transform((frame): ParsedFrame => (frame.type === undefined ? { type: 'send', text: frame.message, client_id: null } : frame)),
)
/** A client frame after validation. */
export type ParsedFrame = SendFrame | ResumeFrame | AuthFrame | ReadFrame | TypingFrame | PingFrame
