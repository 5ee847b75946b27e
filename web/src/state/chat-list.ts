import type { ChatListItem } from '../../../protocol'

/** Newest activity first; ties keep the higher chat id (the newer chat) first, so the order is stable. */
export function byActivity(a: ChatListItem, b: ChatListItem): number {
  return b.last_activity_at.localeCompare(a.last_activity_at) || b.chat_id - a.chat_id
}

/**
 * The list after a `chat` frame: the row replaced (or added) and the list re-sorted. `openChatId`
 * is the chat open and visible in this tab: its unread count stays 0, because this tab reads every
 * message as it arrives (the server's count catches up once our `read` frame lands).
 */
export function upsertChat(list: readonly ChatListItem[], row: ChatListItem, openChatId: number | null): ChatListItem[] {
  const next = row.chat_id === openChatId && row.unread_count > 0 ? { ...row, unread_count: 0 } : row
  return [...list.filter((c) => c.chat_id !== row.chat_id), next].sort(byActivity)
}

/** The list after a `chat_removed` frame (left, removed, or deleted). */
export function removeChat(list: readonly ChatListItem[], chatId: number): ChatListItem[] {
  return list.some((c) => c.chat_id === chatId) ? list.filter((c) => c.chat_id !== chatId) : [...list]
}

export function totalUnread(list: readonly ChatListItem[]): number {
  return list.reduce((sum, c) => sum + c.unread_count, 0)
}

/** `(3) Team · Edge Chat`: the unread total first, so it shows in a narrow tab; `page` is the open chat's name. */
export function documentTitle(unread: number, page: string | null = null): string {
  return `${unread > 0 ? `(${unread}) ` : ''}${page ? `${page} · ` : ''}Edge Chat`
}
