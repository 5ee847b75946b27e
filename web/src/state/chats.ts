import { effect } from '@preact/signals'
import type { ChatListItem, ChatVisibility, ExploreGroup, MessageBody } from '../../../protocol'
import * as api from '../api/chats'
import { GROUP_NAME_RULE, requireValidFields } from '../utils/text-field'
import { createLoadable } from './loadable'
import { user } from './session'

const chatList = createLoadable<ChatListItem[]>([])
export const { value: chats, status: chatsStatus, error: chatsError } = chatList

const explore = createLoadable<ExploreGroup[]>([])
export const { value: exploreList, status: exploreStatus, error: exploreError } = explore

effect(() => {
  if (!user.value) {
    chatList.reset()
    explore.reset()
  }
})

const byActivity = (a: ChatListItem, b: ChatListItem) => b.last_activity_at.localeCompare(a.last_activity_at)

/** Polled and reloaded after changes: the list already shown stays while it reloads. */
export async function loadChats(): Promise<void> {
  await chatList.load(async () => [...(await api.listChats()).chats].sort(byActivity), { refresh: true })
}

export function findChat(chatId: number): ChatListItem | undefined {
  return chats.value.find((c) => c.chat_id === chatId)
}

/** A message seen live in an open room updates that chat's preview without a round trip. */
export function notePreview(message: MessageBody, isRead: boolean): void {
  chats.value = chats.value
    .map((c) =>
      c.chat_id !== message.chat_id || (c.last_message && c.last_message.seq >= message.seq)
        ? c
        : {
            ...c,
            last_message: { sender: message.sender, sender_id: message.sender_id, message: message.message, created_at: message.created_at, seq: message.seq },
            last_activity_at: message.created_at,
            unread_count: isRead ? 0 : c.unread_count + 1,
          },
    )
    .sort(byActivity)
}

export function markChatRead(chatId: number): void {
  if (!chats.value.some((c) => c.chat_id === chatId && c.unread_count > 0)) return
  chats.value = chats.value.map((c) => (c.chat_id === chatId ? { ...c, unread_count: 0 } : c))
}

export async function startPrivateChat(userId: number): Promise<number> {
  const res = await api.openPrivateChat(userId)
  void loadChats()
  return res.chat_id
}

export async function createGroupChat(name: string, visibility: ChatVisibility): Promise<number> {
  requireValidFields([['Group name', name, GROUP_NAME_RULE]])
  const res = await api.createGroup(name.trim(), visibility)
  void loadChats()
  return res.chat_id
}

export async function loadExplore(): Promise<void> {
  await explore.load(async () => (await api.exploreGroups()).groups)
}

export async function joinExploredGroup(chatId: number): Promise<void> {
  await api.joinGroup(chatId)
  exploreList.value = exploreList.value.filter((g) => g.chat_id !== chatId)
  await loadChats()
}

export async function addPersonToGroup(chatId: number, userId: number): Promise<boolean> {
  return (await api.addMember(chatId, userId)).added
}
