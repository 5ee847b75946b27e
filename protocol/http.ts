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
}

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

/** One stored message as the API and the socket deliver it. `message` is null when it cannot be decrypted. */
export interface MessageBody {
  id: string
  seq: number
  chat_id: number
  sender: string
  sender_id: number
  message: string | null
  created_at: string
  client_id: string | null
}

/** GET /chat/<id>/history/?before=<seq>&limit=<n>: oldest first within the page. */
export interface HistoryResponse {
  messages: MessageBody[]
  has_more: boolean
}

/** POST /chat/<id>/send/ with `message` and optional `client_id`. */
export interface SendResponse {
  message: MessageBody
  duplicate: boolean
}
