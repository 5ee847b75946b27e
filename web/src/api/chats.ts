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
