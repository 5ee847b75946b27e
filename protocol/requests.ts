/**
 * One schema per request body, query and path parameter of the REST API, and the request types
 * inferred from them. Bodies arrive as JSON or as a form (every value a string), so numbers and
 * flags accept both spellings (fields.ts). Unknown fields are ignored. The worker parses with these
 * through `parseInput` (worker/input.ts); the web client imports only the types.
 */
import * as v from 'valibot'
import { AttachmentId, Count, Email, FileName, GroupName, Id, MessageSeqParam, MessageText, NewPassword, OptionalClientId, Password, SearchText, Username } from './fields'
import {
  CHAT_VISIBILITIES,
  HISTORY_PAGE_MAX,
  INVITE_EXPIRES_IN_DEFAULT_SECONDS,
  INVITE_EXPIRES_IN_MAX_SECONDS,
  INVITE_EXPIRES_IN_MIN_SECONDS,
  INVITE_MAX_USES_LIMIT,
  USERS_PAGE_MAX,
} from './http'

/** Largest `offset` of GET /users/; larger ones are clamped. */
export const USERS_OFFSET_MAX = 1_000_000

const TRUE_VALUES = new Set<unknown>([true, 'true', '1', 1])
const FALSE_VALUES = new Set<unknown>([false, 'false', '0', 0])

/** A flag from JSON (`true`, `1`) or a form (`"true"`, `"1"`); likewise for false. */
const Flag = v.pipe(
  v.unknown(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (TRUE_VALUES.has(dataset.value)) return true
    if (FALSE_VALUES.has(dataset.value)) return false
    addIssue({ message: 'must be true or false.' })
    return NEVER
  }),
)

/**
 * A paging count from a query string: absent or empty means `fallback`; the value is clamped to
 * [min, max] rather than refused, so a client asking for too much gets a full page.
 */
/* @__NO_SIDE_EFFECTS__ */
function pageCount(fallback: number, min: number, max: number) {
  return v.pipe(
    v.optional(v.union([v.literal(''), Count], 'must be a non-negative integer.'), ''),
    v.transform((n) => Math.min(Math.max(n === '' ? fallback : n, min), max)),
  )
}

// Auth

/** POST /reg_user/ */
export const RegisterRequestSchema = v.object({ Username, Email, Password: NewPassword })
export type RegisterRequest = v.InferOutput<typeof RegisterRequestSchema>

/** POST /login/. The refresh token arrives as an HttpOnly cookie, never in the body. */
export const LoginRequestSchema = v.object({ Email, Password })
export type LoginRequest = v.InferOutput<typeof LoginRequestSchema>

/** GET /users/?q=&limit=&offset=: `q` matches anywhere in the name; limit 1-50 (default 20). */
export const UsersQuerySchema = v.object({
  q: v.optional(SearchText, ''),
  limit: pageCount(20, 1, USERS_PAGE_MAX),
  offset: pageCount(0, 0, USERS_OFFSET_MAX),
})
export type UsersQuery = v.InferOutput<typeof UsersQuerySchema>

/** The `:id` of /sessions/:id/: a session id as GET /sessions/ lists it (base64url). */
export const SessionIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a session id from GET /sessions/.'))

/** PATCH /me/: settings to change; `read_receipts` is the only one so far. */
export const UpdateMeRequestSchema = v.object({ read_receipts: Flag })
export type UpdateMeRequest = v.InferOutput<typeof UpdateMeRequestSchema>

// Chats

/** The `<id>` of /chat/<id>/... and /ws/chat/<id>/. */
export const ChatIdSchema = Id

/** POST /chat/private/ */
export const PrivateChatRequestSchema = v.object({ user_id: Id })
export type PrivateChatRequest = v.InferOutput<typeof PrivateChatRequestSchema>

/** POST /chat/create/: `is_group` must be true (or left out); `visibility` defaults to public. */
export const CreateGroupRequestSchema = v.object({
  is_group: v.pipe(
    v.nullish(Flag, true),
    v.check((isGroup) => isGroup === true, 'must be true: use /chat/private/ with "user_id" for a 1:1 chat.'),
  ),
  name: GroupName,
  visibility: v.nullish(v.picklist(CHAT_VISIBILITIES, 'must be "public" or "private".'), 'public'),
})
export type CreateGroupRequest = v.InferOutput<typeof CreateGroupRequestSchema>

/**
 * POST /chat/<id>/add/ and /remove/: no `user_id` means oneself (join / leave). Only a missing
 * field means that: `null` or `""` is refused, so a client bug never turns into leaving a group.
 */
export const MemberRequestSchema = v.object({ user_id: v.optional(Id) })
export type MemberRequest = v.InferOutput<typeof MemberRequestSchema>

/** POST /chat/<id>/role/: the owner makes a member an admin or a plain member again. */
export const SetRoleRequestSchema = v.object({
  user_id: Id,
  role: v.picklist(['admin', 'member'], 'must be "admin" or "member".'),
})
export type SetRoleRequest = v.InferOutput<typeof SetRoleRequestSchema>

const Visibility = v.picklist(CHAT_VISIBILITIES, 'must be "public" or "private".')

/** PATCH /chat/<id>/: a new `name` (the rule of POST /chat/create/), a new `visibility`, or both. */
export const UpdateChatRequestSchema = v.pipe(
  v.object({ name: v.optional(GroupName), visibility: v.optional(Visibility) }),
  v.check((body) => body.name !== undefined || body.visibility !== undefined, 'must set "name" or "visibility".'),
)
export type UpdateChatRequest = v.InferOutput<typeof UpdateChatRequestSchema>

/** POST /chat/<id>/transfer/: the owner hands the group to `user_id`, a current member. */
export const TransferRequestSchema = v.object({ user_id: Id })
export type TransferRequest = v.InferOutput<typeof TransferRequestSchema>

/**
 * POST /chat/<id>/invites/: `expires_in` seconds (60 s to 30 days, default 7 days); `max_uses` 1-1000,
 * or null / absent for no limit.
 */
const expiresInMessage = `must be a whole number of seconds from ${INVITE_EXPIRES_IN_MIN_SECONDS} to ${INVITE_EXPIRES_IN_MAX_SECONDS}.`
const maxUsesMessage = `must be an integer from 1 to ${INVITE_MAX_USES_LIMIT}, or null.`
export const CreateInviteRequestSchema = v.object({
  expires_in: v.optional(
    v.pipe(Count, v.minValue(INVITE_EXPIRES_IN_MIN_SECONDS, expiresInMessage), v.maxValue(INVITE_EXPIRES_IN_MAX_SECONDS, expiresInMessage)),
    INVITE_EXPIRES_IN_DEFAULT_SECONDS,
  ),
  max_uses: v.nullish(v.pipe(Id, v.maxValue(INVITE_MAX_USES_LIMIT, maxUsesMessage)), null),
})
export type CreateInviteRequest = v.InferOutput<typeof CreateInviteRequestSchema>

/** The `<code>` of /join/<code>/: 32 random bytes, base64url without padding (43 characters). */
export const InviteCodeSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'must be an invite code (43 base64url characters).'))

/** The `<invite_id>` of /chat/<id>/invites/<invite_id>/, as GET lists it (not the code). */
export const InviteIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16}$/, 'must be an invite id from GET /chat/<id>/invites/.'))

/** GET /chat/<id>/history/?before=<seq>&limit=<n>: limit 1-100 (default 100). */
export const HistoryQuerySchema = v.object({
  before: v.optional(Id),
  limit: pageCount(HISTORY_PAGE_MAX, 1, HISTORY_PAGE_MAX),
})
export type HistoryQuery = v.InferOutput<typeof HistoryQuerySchema>

/** POST /chat/<id>/send/: `reply_to` (optional) is the seq of the message it answers. */
export const SendRequestSchema = v.object({ message: MessageText, client_id: OptionalClientId, reply_to: v.nullish(MessageSeqParam) })
export type SendRequest = v.InferOutput<typeof SendRequestSchema>

/** The query of GET /ws/chat/<id>/ besides `token`: `since` (empty = 0) asks for a replay. */
export const SocketQuerySchema = v.object({
  since: v.optional(v.pipe(v.union([v.literal(''), Count], 'must be a non-negative integer.'), v.transform((n) => (n === '' ? 0 : n)))),
})
export type SocketQuery = v.InferOutput<typeof SocketQuerySchema>

// Attachments

/** POST /chat/<id>/attachments/?name=<file name>: the body is the file itself. */
export const AttachmentQuerySchema = v.object({ name: FileName })
export type AttachmentQuery = v.InferOutput<typeof AttachmentQuerySchema>

/** The `<attachment_id>` of /chat/<id>/attachments/<attachment_id>/: as the upload answered it. */
export const AttachmentIdSchema = AttachmentId
