import { effect } from '@preact/signals'
import type { ChatListItem, ChatVisibility, ExploreGroup, MessageBody } from '../../../protocol'
import * as api from '../api/chats'
import { byActivity, removeChat, upsertChat } from './chat-list'
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

type ListChange = (list: ChatListItem[]) => ChatListItem[]
/** Changes made while the newest load is in flight: its answer may predate them, so they are replayed on it. */
let changesDuringLoad: ListChange[] | null = null

function change(apply: ListChange): void {
  chats.value = apply(chats.value)
  changesDuringLoad?.push(apply)
}

/**
 * Loads the list: at sign-in, on every `ready` of the live channel (frames missed while it was
 * down are not replayed), and after the user's own changes. The list already shown stays while it
 * reloads. A change seen meanwhile is applied now and again on the answer, so none is lost.
 */
export async function loadChats(): Promise<void> {
  const changes: ListChange[] = []
  changesDuringLoad = changes
  try {
    await chatList.load(async () => {
      const rows = [...(await api.listChats()).chats].sort(byActivity)
      return changes.reduce((list, apply) => apply(list), rows)
    }, { refresh: true })
  } finally {
    if (changesDuringLoad === changes) changesDuringLoad = null
  }
}

/** A `chat` frame: one row added or replaced; `openChatId` is the chat read live in this tab (see upsertChat). */
export function applyChatRow(row: ChatListItem, openChatId: number | null): void {
  change((list) => upsertChat(list, row, openChatId))
}

/** A `chat_removed` frame. */
export function dropChat(chatId: number): void {
  change((list) => removeChat(list, chatId))
}

export function findChat(chatId: number): ChatListItem | undefined {
  return chats.value.find((c) => c.chat_id === chatId)
}

/** A message seen live in an open room updates that chat's preview without a round trip. */
export function notePreview(message: MessageBody, isRead: boolean): void {
  change((list) =>
    list
      .map((c) =>
      c.chat_id !== message.chat_id || (c.last_message && c.last_message.seq >= message.seq)
        ? c
        : {
            ...c,
            last_message: {
              sender: message.sender,
              sender_id: message.sender_id,
              ...(message.sender_deleted ? { sender_deleted: true as const } : {}),
              message: message.message,
              created_at: message.created_at,
              seq: message.seq,
            },
            last_activity_at: message.created_at,
            unread_count: isRead ? 0 : c.unread_count + 1,
          },
      )
      .sort(byActivity),
  )
}

export function markChatRead(chatId: number): void {
  if (!chats.value.some((c) => c.chat_id === chatId && c.unread_count > 0)) return
  change((list) => list.map((c) => (c.chat_id === chatId ? { ...c, unread_count: 0 } : c)))
}

export async function startPrivateChat(userId: number): Promise<number> {
  const res = await api.openPrivateChat(userId)
  void loadChats()
  return res.chat_id
}

/** Creates a group; the form checks the name first (`utils/text-field.ts`, in the lazily loaded page). */
export async function createGroupChat(name: string, visibility: ChatVisibility): Promise<number> {
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

/** Joins the group of an invite link; returns its chat id. An unknown, expired, used-up or revoked code is `not_found`. */
export async function joinWithInvite(code: string): Promise<number> {
  const chat = await api.joinByInvite(code)
  await loadChats()
  return chat.chat_id
}
