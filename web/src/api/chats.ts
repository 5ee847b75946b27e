import {
  PATHS,
  type AddMemberResponse,
  type ChatListResponse,
  type ChatVisibility,
  type CreateGroupRequest,
  type CreateGroupResponse,
  type ExploreResponse,
  type HistoryResponse,
  type MemberRequest,
  type MembersResponse,
  type PrivateChatRequest,
  type PrivateChatResponse,
  type RemoveMemberResponse,
  type SetRoleRequest,
  type SetRoleResponse,
} from '../../../protocol'
import { request } from './http'

export const listChats = () => request<ChatListResponse>('GET', PATHS.chatList)
export const exploreGroups = () => request<ExploreResponse>('GET', PATHS.chatExplore)

export const openPrivateChat = (userId: number) =>
  request<PrivateChatResponse>('POST', PATHS.chatPrivate, { body: { user_id: userId } satisfies PrivateChatRequest })

export const createGroup = (name: string, visibility: ChatVisibility) =>
  request<CreateGroupResponse>('POST', PATHS.chatCreate, { body: { is_group: true, name, visibility } satisfies CreateGroupRequest })

export const joinGroup = (chatId: number) => request<AddMemberResponse>('POST', PATHS.chatAdd(chatId))

export const addMember = (chatId: number, userId: number) =>
  request<AddMemberResponse>('POST', PATHS.chatAdd(chatId), { body: { user_id: userId } satisfies MemberRequest })

export const listMembers = (chatId: number) => request<MembersResponse>('GET', PATHS.chatMembers(chatId))

/** The owner makes someone an admin or a plain member again. */
export const setMemberRole = (chatId: number, userId: number, role: 'admin' | 'member') =>
  request<SetRoleResponse>('POST', PATHS.chatRole(chatId), { body: { user_id: userId, role } satisfies SetRoleRequest })

/** An owner or admin removes a lower-ranked member. */
export const removeMember = (chatId: number, userId: number) =>
  request<RemoveMemberResponse>('POST', PATHS.chatRemove(chatId), { body: { user_id: userId } satisfies MemberRequest })

/** No body: the signed-in user leaves the group (the owner cannot). */
export const leaveGroup = (chatId: number) => request<RemoveMemberResponse>('POST', PATHS.chatRemove(chatId))

export function fetchHistory(chatId: number, beforeSeq?: number): Promise<HistoryResponse> {
  const params = new URLSearchParams({ limit: '50' })
  if (beforeSeq !== undefined) params.set('before', String(beforeSeq))
  return request<HistoryResponse>('GET', `${PATHS.chatHistory(chatId)}?${params}`)
}

// Group administration (#12). The paths and bodies are the wire contract's; they move into
// protocol's PATHS and http.ts when the worker side lands there, so they are spelled only here.
const ADMIN_PATHS = {
  chat: (chatId: number) => `/chat/${chatId}/`,
  transfer: (chatId: number) => `/chat/${chatId}/transfer/`,
  invites: (chatId: number) => `/chat/${chatId}/invites/`,
  invite: (chatId: number, code: string) => `/chat/${chatId}/invites/${encodeURIComponent(code)}/`,
  join: (code: string) => `/join/${encodeURIComponent(code)}/`,
}

/** An invite link of a group: `url` is `<origin>/join/<code>`; `max_uses` null = no limit. */
export interface InviteBody {
  code: string
  url: string
  expires_at: string
  max_uses: number | null
  uses: number
  created_at: string
}
/** What the admin routes answer with for a chat: at least its id, name and visibility. */
export interface ChatBody {
  chat_id: number
  name: string
  visibility: ChatVisibility | null
}

/** Owner or admin: rename the group and/or change who can find it. */
export const updateChat = (chatId: number, change: { name?: string; visibility?: ChatVisibility }) =>
  request<ChatBody>('PATCH', ADMIN_PATHS.chat(chatId), { body: change })

/** Owner: hand ownership to member `userId`; the old owner becomes an admin. */
export const transferOwnership = (chatId: number, userId: number) =>
  request<ChatBody>('POST', ADMIN_PATHS.transfer(chatId), { body: { user_id: userId } })

/** Owner: the group is gone for everyone, its history unrecoverable. */
export const deleteChat = (chatId: number) => request<{ chat_id: number; deleted: true }>('DELETE', ADMIN_PATHS.chat(chatId))

/** `expiresInSeconds`: 60 s to 30 days (the server's default is 7 days); `maxUses`: 1 to 1,000, or null for no limit. */
export const createInvite = (chatId: number, expiresInSeconds: number, maxUses: number | null) =>
  request<InviteBody>('POST', ADMIN_PATHS.invites(chatId), { body: { expires_in: expiresInSeconds, max_uses: maxUses } })

export const listInvites = (chatId: number) => request<{ invites: InviteBody[] }>('GET', ADMIN_PATHS.invites(chatId))

export const revokeInvite = (chatId: number, code: string) => request<{ code: string; revoked: true }>('DELETE', ADMIN_PATHS.invite(chatId, code))

/** The signed-in user joins the group of invite `code`. */
export const joinByInvite = (code: string) => request<ChatBody>('POST', ADMIN_PATHS.join(code))
