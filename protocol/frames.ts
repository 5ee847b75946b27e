/**
 * One schema per client socket frame, and the frame types inferred from them. Frames are JSON, so
 * numbers must be JSON numbers. The worker parses each text frame with `ClientFrameSchema`.
 */
import * as v from 'valibot'
import { AttachmentIds, Emoji, MessageSeq, MessageText, OptionalClientId, Seq } from './fields'

/** Longest token accepted in an `auth` frame (UTF-16 units; ours are about 300). */
export const MAX_TOKEN_CHARS = 4096

/** The seed app's frame: send `message` as text. It has no `type`; parsed as a `send` without client_id. */
export const LegacySendFrameSchema = v.object({ type: v.optional(v.undefined()), message: MessageText })
/**
 * Send `text`; `client_id` (1-64 visible ASCII characters; null = none) makes a resend idempotent and is
 * echoed in the ack. `reply_to`: the seq of a message of this chat it answers (not a system message,
 * not deleted). `attachments` (#13): up to 10 attachment ids; `text` may be left out when there is one.
 */
export const SendFrameSchema = v.object({
  type: v.literal('send'),
  client_id: OptionalClientId,
  text: v.optional(MessageText),
  reply_to: v.nullish(MessageSeq),
  attachments: v.optional(AttachmentIds),
})
/** Replace the text of one's own message `seq` (not a system message, not deleted). */
export const EditFrameSchema = v.object({ type: v.literal('edit'), seq: MessageSeq, text: MessageText, client_id: OptionalClientId })
/** Delete message `seq`: one's own always; any member's for the owner or an admin of a group. */
export const DeleteFrameSchema = v.object({ type: v.literal('delete'), seq: MessageSeq, client_id: OptionalClientId })
/** Add (`on: true`) or take back (`on: false`) one's reaction `emoji` (one emoji, text.ts) on message `seq`. */
export const ReactFrameSchema = v.object({
  type: v.literal('react'),
  seq: MessageSeq,
  emoji: Emoji,
  on: v.boolean('must be true or false.'),
  client_id: OptionalClientId,
})
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
export type SendFrame = v.InferInput<typeof SendFrameSchema>
export type EditFrame = v.InferInput<typeof EditFrameSchema>
export type DeleteFrame = v.InferInput<typeof DeleteFrameSchema>
export type ReactFrame = v.InferInput<typeof ReactFrameSchema>
export type ResumeFrame = v.InferOutput<typeof ResumeFrameSchema>
export type AuthFrame = v.InferOutput<typeof AuthFrameSchema>
export type ReadFrame = v.InferOutput<typeof ReadFrameSchema>
export type TypingFrame = v.InferOutput<typeof TypingFrameSchema>
export type PingFrame = v.InferOutput<typeof PingFrameSchema>
/** What a client may send. */
export type ClientFrame =
  | LegacySendFrame
  | SendFrame
  | EditFrame
  | DeleteFrame
  | ReactFrame
  | ResumeFrame
  | AuthFrame
  | ReadFrame
  | TypingFrame
  | PingFrame

export type ParsedSendFrame = v.InferOutput<typeof SendFrameSchema>
export type ParsedEditFrame = v.InferOutput<typeof EditFrameSchema>
export type ParsedDeleteFrame = v.InferOutput<typeof DeleteFrameSchema>
export type ParsedReactFrame = v.InferOutput<typeof ReactFrameSchema>
/** A client frame after validation. */
export type ParsedFrame = ParsedSendFrame | ParsedEditFrame | ParsedDeleteFrame | ParsedReactFrame | ResumeFrame | AuthFrame | ReadFrame | TypingFrame | PingFrame

/**
 * Any client frame, chosen by `type` (none = the seed's frame); the seed's frame comes out as a `send`.
 * A `send` needs `text` unless it lists attachments.
 */
export const ClientFrameSchema = v.pipe(
  v.variant(
    'type',
    [
      LegacySendFrameSchema,
      SendFrameSchema,
      EditFrameSchema,
      DeleteFrameSchema,
      ReactFrameSchema,
      ResumeFrameSchema,
      AuthFrameSchema,
      ReadFrameSchema,
      TypingFrameSchema,
      PingFrameSchema,
    ],
    'must be one of "send", "edit", "delete", "react", "resume", "auth", "read", "typing", "ping".',
  ),
  v.rawTransform(({ dataset, addIssue, NEVER }): ParsedFrame => {
    const frame = dataset.value
    if (frame.type === undefined) return { type: 'send', text: frame.message, client_id: null }
    if (frame.type === 'send' && frame.text === undefined && !frame.attachments?.length) {
      // Reported as a missing key, as the object schema would if `text` were simply required.
      addIssue({ message: 'is required.', path: [{ type: 'object', origin: 'key', input: frame, key: 'text', value: undefined }] })
      return NEVER
    }
    return frame
  }),
)
