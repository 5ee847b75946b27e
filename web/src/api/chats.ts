import {
  PATHS,
  type AddMemberResponse,
  type ChatListResponse,
  type ChatVisibility,
  type CreateGroupResponse,
  type ExploreResponse,
  type HistoryResponse,
  type PrivateChatResponse,
} from '../../../protocol'
import { request } from './http'

export const listChats = () => request<ChatListResponse>('GET', PATHS.chatList)
export const exploreGroups = () => request<ExploreResponse>('GET', PATHS.chatExplore)

export const openPrivateChat = (userId: number) =>
  request<PrivateChatResponse>('POST', PATHS.chatPrivate, { body: { user_id: userId } })

export const createGroup = (name: string, visibility: ChatVisibility) =>
  request<CreateGroupResponse>('POST', PATHS.chatCreate, { body: { is_group: true, name, visibility } })

export const joinGroup = (chatId: number) => request<AddMemberResponse>('POST', PATHS.chatAdd(chatId))

export const addMember = (chatId: number, userId: number) =>
  request<AddMemberResponse>('POST', PATHS.chatAdd(chatId), { body: { user_id: userId } })

export function fetchHistory(chatId: number, beforeSeq?: number): Promise<HistoryResponse> {
  const params = new URLSearchParams({ limit: '50' })
  if (beforeSeq !== undefined) params.set('before', String(beforeSeq))
  return request<HistoryResponse>('GET', `${PATHS.chatHistory(chatId)}?${params}`)
}
