import {
  PATHS,
  type AddMemberResponse,
  type ChatListResponse,
  type ChatResponse,
  type CreateInviteRequest,
  type CreatedInviteBody,
  type DeleteChatResponse,
  type InvitesResponse,
  type RevokeInviteResponse,
  type TransferRequest,
  type UpdateChatRequest,
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

// Group administration (#12).

/** Owner or admin: rename the group and/or change who can find it. */
export const updateChat = (chatId: number, change: UpdateChatRequest) => request<ChatResponse>('PATCH', PATHS.chat(chatId), { body: change })

/** Owner: hand ownership to member `userId`; the old owner becomes an admin. */
export const transferOwnership = (chatId: number, userId: number) =>
  request<ChatResponse>('POST', PATHS.chatTransfer(chatId), { body: { user_id: userId } satisfies TransferRequest })

/** Owner: the group is gone for everyone, its history unrecoverable. */
export const deleteChat = (chatId: number) => request<DeleteChatResponse>('DELETE', PATHS.chat(chatId))

/** `expiresInSeconds`: 60 s to 30 days; `maxUses`: 1 to 1,000, or null for no limit. The answer is the only one that carries the code and link. */
export const createInvite = (chatId: number, expiresInSeconds: number, maxUses: number | null) =>
  request<CreatedInviteBody>('POST', PATHS.chatInvites(chatId), { body: { expires_in: expiresInSeconds, max_uses: maxUses } satisfies CreateInviteRequest })

/** The group's live invites, without their codes. */
export const listInvites = (chatId: number) => request<InvitesResponse>('GET', PATHS.chatInvites(chatId))

export const revokeInvite = (chatId: number, inviteId: string) => request<RevokeInviteResponse>('DELETE', PATHS.chatInvite(chatId, inviteId))

/** The signed-in user joins the group of invite `code`. */
export const joinByInvite = (code: string) => request<ChatResponse>('POST', PATHS.join(code))
