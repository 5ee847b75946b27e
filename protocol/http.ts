/**
 * Request and response bodies of the REST API. Paths and field names are the seed app's contract
 * (existing clients use them); everything inside the worker is camelCase and mapped at the route.
 */

import { MAX_WIRE_BYTES_PER_CHAR } from './text'

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60
export const REFRESH_TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60
export const REFRESH_COOKIE_NAME = 'refresh_token'

// Text limits count Unicode code points (`countChars` in text.ts), on the server and in every client.
export const USERNAME_MIN_LENGTH = 3
export const USERNAME_MAX_LENGTH = 32
export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_LENGTH = 128
export const CHAT_NAME_MAX_LENGTH = 100
export const MESSAGE_MAX_CHARS = 4000
/** Longest `q` of GET /users/. */
export const USER_QUERY_MAX_CHARS = 64
export const HISTORY_PAGE_MAX = 100
/** Longest attachment file name (`?name=`), in code points: what common file systems allow. */
export const FILE_NAME_MAX_CHARS = 255
export const USERS_PAGE_MAX = 50

/** Room for everything around the longest text in a body or frame: other fields, names, punctuation. */
export const ENVELOPE_BYTES = 2048
/**
 * Largest request body, in bytes. The longest valid message in its worst encoding is 4,000 astral
 * characters at 12 bytes each (`\uD83D\uDE00` in JSON, `%F0%9F%98%80` in a form) = 48,000 bytes,
 * plus ENVELOPE_BYTES (a `\u`-escaped 64-character client_id is 384) = 50,048. So no text valid by
 * the rule is refused with 413; over-long text gets 400 `invalid_request` instead.
 */
export const MAX_BODY_BYTES = MESSAGE_MAX_CHARS * MAX_WIRE_BYTES_PER_CHAR + ENVELOPE_BYTES

/** API paths, so the web client never spells one twice. */
export const PATHS = {
  register: '/reg_user/',
  login: '/login/',
  refresh: '/refresh/',
  logout: '/logout/',
  sessions: '/sessions/',
  session: (id: string) => `/sessions/${encodeURIComponent(id)}/`,
  users: '/users/',
  me: '/me/',
  mePassword: '/me/password/',
  meExport: '/me/export/',
  meSocket: '/ws/me/',
  chatCreate: '/chat/create/',
  chatPrivate: '/chat/private/',
  chatList: '/chat/list/',
  chatExplore: '/chat/explore/',
  chatAdd: (chatId: number) => `/chat/${chatId}/add/`,
  chatHistory: (chatId: number) => `/chat/${chatId}/history/`,
  chatSend: (chatId: number) => `/chat/${chatId}/send/`,
  chatRemove: (chatId: number) => `/chat/${chatId}/remove/`,
  chatRole: (chatId: number) => `/chat/${chatId}/role/`,
  chatMembers: (chatId: number) => `/chat/${chatId}/members/`,
  chatSocket: (chatId: number) => `/ws/chat/${chatId}/`,
  /** PATCH (rename, visibility) and DELETE (the whole group). */
  chat: (chatId: number) => `/chat/${chatId}/`,
  chatTransfer: (chatId: number) => `/chat/${chatId}/transfer/`,
  chatInvites: (chatId: number) => `/chat/${chatId}/invites/`,
  chatInvite: (chatId: number, inviteId = '') => `/chat/${chatId}/invites/${encodeURIComponent(inviteId)}/`,
  join: (code: string) => `/join/${encodeURIComponent(code)}/`,
  chatAttachments: (chatId: number) => `/chat/${chatId}/attachments/`,
  chatAttachment: (chatId: number, attachmentId: string) => `/chat/${chatId}/attachments/${encodeURIComponent(attachmentId)}/`,
  health: '/health',
  /** The operator's key rotation route (protocol/key-rotation.ts), guarded by ADMIN_TOKEN. */
  keysRewrap: '/admin/keys/rewrap/',
  /** The benchmark's usage counters (worker/metering/): a 404 unless the dev-only var BENCH_METER is "1". */
  benchMeter: '/bench/meter/',
} as const

type ParamPathName = { [K in keyof typeof PATHS]: (typeof PATHS)[K] extends string ? never : K }[keyof typeof PATHS]

/**
 * The fixed start of each parameterised path in PATHS. With PATHS' fixed paths these are every API
 * path: the worker answers them, and nothing under them, with JSON, never with the web client's
 * page. A new parameterised path does not compile until it has its prefix here.
 */
export const PARAM_PATH_PREFIXES: Record<ParamPathName, string> = {
  session: '/sessions/',
  chatAdd: '/chat/',
  chatHistory: '/chat/',
  chatSend: '/chat/',
  chatRemove: '/chat/',
  chatRole: '/chat/',
  chatMembers: '/chat/',
  chatSocket: '/ws/chat/',
  chat: '/chat/',
  chatTransfer: '/chat/',
  chatInvites: '/chat/',
  chatInvite: '/chat/',
  join: '/join/',
  chatAttachments: '/chat/',
  chatAttachment: '/chat/',
}

/**
 * The web client's invite page: `/join/<code>` without the trailing slash, beside the API's
 * `POST /join/<code>/`. It is the `url` of a new invite; `isApiPath` leaves paths of this shape to the page.
 */
export function joinPagePath(code: string): string {
  return `/join/${encodeURIComponent(code)}`
}
/** Paths under an API prefix that are the web client's pages (see joinPagePath). */
export const CLIENT_PAGE_PATTERNS: readonly RegExp[] = [/^\/join\/[^/]+$/]

// Auth

// Request bodies, queries and path parameters: schemas and types in requests.ts.

/** POST /reg_user/ (JSON or form). */
export interface RegisterResponse {
  msg: string
  data: { Userid: number; Username: string }
}

/** POST /login/ (JSON or form). The refresh token arrives as an HttpOnly cookie, never in the body. */
export interface UserBody {
  userid: number
  username: string
  email: string
}
/** GET /me/ and PATCH /me/: the account plus its settings. */
export interface MeBody extends UserBody {
  /** Others see how far you read (room `read` frames, "Seen"); off also hides theirs from you. Default true. */
  read_receipts: boolean
}
export interface MeResponse {
  user: MeBody
}

export interface LoginResponse {
  success: true
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  user: UserBody
}

/** POST /refresh/ (cookie only). */
export interface RefreshResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  user: UserBody
}

/** GET /sessions/: one entry per login (refresh-token family) still active. */
export interface SessionBody {
  id: string
  created_at: string
  last_used_at: string
  expires_at: string
  user_agent: string | null
  current: boolean
}
export interface SessionsResponse {
  sessions: SessionBody[]
}

/**
 * What the API shows instead of the name of a deleted account (DELETE /me/): as `sender` of their
 * messages and as the name of a 1:1 chat with them. It has a space, which no username may hold, so no
 * account can ever be named this.
 */
export const DELETED_USER_NAME = 'Deleted user'

/** DELETE /me/ with `password`: the account is erased; the refresh cookie is cleared. */
export interface DeleteMeResponse {
  success: true
  msg: string
}

/** POST /me/password/ with `old_password`, `new_password`: every other session is revoked. */
export interface ChangePasswordResponse {
  success: true
  msg: string
  /** How many other sessions were signed out. */
  revoked_sessions: number
}

/** GET /me/export/ is a download with this file name (`Content-Disposition: attachment`). */
export const EXPORT_FILE_NAME = 'edge-chat-export.json'

/**
 * GET /me/export/: the JSON document, streamed. Members and messages as the API shows them elsewhere;
 * `messages` holds only the exporter's own messages (decrypted), oldest first.
 */
export interface AccountExport {
  format: 'edge-chat-export/1'
  exported_at: string
  profile: MeBody & { created_at: string }
  chats: ExportedChat[]
}
export interface ExportedChat {
  chat_id: number
  is_group: boolean
  name: string
  visibility: ChatVisibility | null
  role: MemberRole
  joined_at: string
  members: { userid: number; username: string; role: MemberRole }[]
  messages: ExportedMessage[]
}
export interface ExportedMessage {
  seq: number
  id: string
  message: string | null
  created_at: string
  client_id: string | null
}

/** GET /users/?q=&limit=&offset= */
export interface UserSummaryBody {
  userid: number
  username: string
}
export interface UsersResponse {
  users: UserSummaryBody[]
  next_offset: number | null
}

// Chats

export const CHAT_VISIBILITIES = ['public', 'private'] as const
export type ChatVisibility = (typeof CHAT_VISIBILITIES)[number]
export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const
export type MemberRole = (typeof MEMBER_ROLES)[number]

/** POST /chat/private/ with `user_id`. */
export interface PrivateChatResponse {
  chat_id: number
  is_group: false
  name: string
  created: boolean
}

/** POST /chat/create/ with `is_group=true`, `name`, optional `visibility`. */
export interface CreateGroupResponse {
  chat_id: number
  is_group: true
  name: string
  visibility: ChatVisibility
}

export interface LastMessageBody {
  sender: string
  sender_id: number
  /** Set when the sender's account was deleted: `sender` is the DELETED_USER_NAME label, not a name. */
  sender_deleted?: true
  message: string | null
  created_at: string
  seq: number
}

/**
 * Someone's presence, as seen by people who share a chat with them: online while at least one of
 * their tabs holds the live channel (`GET /ws/me/`); `last_seen_at` (ISO) is when their last channel
 * closed: null while online, and when they never had one.
 */
export interface PresenceBody {
  online: boolean
  last_seen_at: string | null
}

/** The other person of a 1:1 chat, with their presence. */
export interface PeerBody extends UserSummaryBody, PresenceBody {}

export interface ChatListItem {
  chat_id: number
  is_group: boolean
  name: string
  visibility: ChatVisibility | null
  role: MemberRole
  /** For a 1:1 chat, the other person and their presence. */
  peer: PeerBody | null
  last_message: LastMessageBody | null
  /** ISO time of the newest message, or of joining when there is none. */
  last_activity_at: string
  unread_count: number
}
export interface ChatListResponse {
  chats: ChatListItem[]
}

export interface ExploreGroup {
  chat_id: number
  name: string
  member_count: number
}
export interface ExploreResponse {
  groups: ExploreGroup[]
}

/** POST /chat/<id>/add/: no body = join a public group; `user_id` = owner/admin adds someone. */
export interface AddMemberResponse {
  msg: string
  chat_id: number
  user_id: number
  role: MemberRole
  added: boolean
}

/** POST /chat/<id>/remove/: no body = leave the group; `user_id` = owner/admin removes a lower-ranked member. */
/** GET /chat/<id>/members/: members only; owner first, then admins, then members. */
export interface MemberBody extends PresenceBody {
  userid: number
  username: string
  role: MemberRole
  joined_at: string
}
export interface MembersResponse {
  members: MemberBody[]
}

/** POST /chat/<id>/role/ with `user_id` and `role` ("admin" | "member"): the owner promotes or demotes. */
export interface SetRoleResponse {
  msg: string
  chat_id: number
  user_id: number
  role: MemberRole
  changed: boolean
}

export interface RemoveMemberResponse {
  msg: string
  chat_id: number
  user_id: number
  removed: true
}

/** PATCH /chat/<id>/, POST /chat/<id>/transfer/ and POST /join/<code>/: the caller's list row of the chat afterwards. */
export type ChatResponse = ChatListItem

/** DELETE /chat/<id>/ (owner): the group is gone for everyone. */
export interface DeleteChatResponse {
  chat_id: number
  deleted: true
}

/** Invite links (POST /chat/<id>/invites/). The code itself is random: 32 bytes (256 bits), base64url. */
export const INVITE_CODE_BYTES = 32
export const INVITE_EXPIRES_IN_MIN_SECONDS = 60
export const INVITE_EXPIRES_IN_MAX_SECONDS = 30 * 24 * 60 * 60
export const INVITE_EXPIRES_IN_DEFAULT_SECONDS = 7 * 24 * 60 * 60
export const INVITE_MAX_USES_LIMIT = 1000

/** An invite as GET /chat/<id>/invites/ lists it: never its code, which only its creator saw once. */
export interface InviteBody {
  /** Non-secret handle for revoking: DELETE /chat/<id>/invites/<id>/. */
  id: string
  chat_id: number
  created_by: number
  created_at: string
  expires_at: string
  /** Null: no limit. */
  max_uses: number | null
  uses: number
}
/** POST /chat/<id>/invites/ (owner/admin), 201: the only answer that carries the code. */
export interface CreatedInviteBody extends InviteBody {
  code: string
  /** `<origin>/join/<code>`: the web client's page that joins (joinPagePath). */
  url: string
}
export interface InvitesResponse {
  invites: InviteBody[]
}
/** DELETE /chat/<id>/invites/<invite_id>/ */
export interface RevokeInviteResponse {
  id: string
  revoked: true
}

/** Longest reply preview, in code points (`countChars`): the start of the original's first line. */
export const REPLY_PREVIEW_MAX_CHARS = 120
/** Most distinct emoji on one message; one more is refused with `too_many_reactions`. */
export const MAX_REACTIONS_PER_MESSAGE = 20
/** Most attachment ids in one `send` (#13). */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10

/** What a stored log entry shown as a message is: a member's message or a system message (`event`). */
export const MESSAGE_KINDS = ['message', 'system'] as const
export type MessageKind = (typeof MESSAGE_KINDS)[number]

/** Who did it: every system event names its actor (the user whose action it records). */
interface EventActor {
  actor_id: number
  /** The actor's username when the event happened; DELETED_USER_NAME once their account was deleted. */
  actor: string
  /** Present (true) when `actor` is the DELETED_USER_NAME label, not a name: clients show it as a label. */
  actor_deleted?: true
}
/** The user a system event is about (added, removed, promoted, given ownership). */
interface EventSubject {
  user_id: number
  /** Their username when the event happened; DELETED_USER_NAME once their account was deleted. */
  username: string
  /** Present (true) when `username` is the DELETED_USER_NAME label, not a name. */
  user_deleted?: true
}
/**
 * What a system message records (`kind: "system"`), one union on `type`. `created`: the group was
 * made; `joined`: the actor joined (public group or invite link); `left`: the actor left; the others
 * name the member or the new value concerned.
 */
export type SystemEvent =
  | ({ type: 'created' } & EventActor)
  | ({ type: 'joined' } & EventActor)
  | ({ type: 'left' } & EventActor)
  | ({ type: 'added' } & EventActor & EventSubject)
  | ({ type: 'removed' } & EventActor & EventSubject)
  | ({ type: 'role_changed'; role: MemberRole } & EventActor & EventSubject)
  | ({ type: 'renamed'; name: string } & EventActor)
  | ({ type: 'visibility_changed'; visibility: ChatVisibility } & EventActor)
  | ({ type: 'ownership_transferred' } & EventActor & EventSubject)
export type SystemEventType = SystemEvent['type']

/** The message a reply quotes, as it is now. */
export interface ReplyPreview {
  seq: number
  sender_id: number
  sender: string
  /** Present (true) when `sender` is the DELETED_USER_NAME label, not a name. */
  sender_deleted?: true
  /** The original's first line, at most REPLY_PREVIEW_MAX_CHARS code points; null once it was deleted. */
  preview: string | null
}

/** One emoji on a message: how many members reacted with it and who, in the order they did. */
export interface Reaction {
  emoji: string
  count: number
  user_ids: number[]
}

/** A file attached to a message (#13). `width`/`height` in pixels for images, else null. */
export interface AttachmentBody {
  attachment_id: string
  name: string
  /** Bytes. */
  size: number
  content_type: string
  width: number | null
  height: number | null
}

/**
 * One message or system message as the API and the socket deliver it, in its current state (edits,
 * deletion and reactions applied). `message` is null for a system message, a deleted message, and
 * when the stored ciphertext cannot be decrypted.
 */
export interface MessageBody {
  id: string
  /** Its entry's place in the chat's log (docs/protocol.md, "The log"). */
  seq: number
  chat_id: number
  /** The author; for a system message, its actor. DELETED_USER_NAME once their account was deleted. */
  sender: string
  sender_id: number
  /** Present (true) when `sender` is the DELETED_USER_NAME label, not a name: clients show it as a label (DELETE /me/). */
  sender_deleted?: true
  message: string | null
  created_at: string
  client_id: string | null
  kind: MessageKind
  /** Set when `kind` is "system", else null. */
  event: SystemEvent | null
  reply_to: ReplyPreview | null
  /** ISO time of the last edit; null when never edited. */
  edited_at: string | null
  /** True once deleted: `message` and `reply_to` are null, `reactions` and `attachments` empty; the ciphertext is erased. */
  deleted: boolean
  /** In order of first use; at most MAX_REACTIONS_PER_MESSAGE. */
  reactions: Reaction[]
  attachments: AttachmentBody[]
}

/** GET /chat/<id>/history/?before=<seq>&limit=<n>: oldest first within the page. */
export interface HistoryResponse {
  messages: MessageBody[]
  has_more: boolean
}

/** POST /chat/<id>/send/ with `message`, optional `client_id` and `reply_to` (a message seq). */
export interface SendResponse {
  message: MessageBody
  duplicate: boolean
}
