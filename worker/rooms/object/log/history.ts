import type { HistoryResponse, MessageBody } from '../../../../protocol/http'
import { withAttachments } from '../attachments'
import type { Room } from '../room'
import { toMessageBody } from './seal'
import { countUnread, listBefore } from './store'

/** Preview and unread count of one chat for one member (GET /chat/list/). */
export interface ChatSummary {
  lastMessage: MessageBody | null
  unreadCount: number
}

/** Up to `limit` messages with seq < before (from the newest when null), oldest first. */
export async function historyPage(room: Room, before: number | null, limit: number): Promise<HistoryResponse> {
  const rows = listBefore(room.db, before ?? Number.MAX_SAFE_INTEGER, limit + 1)
  const page = rows.length > limit ? rows.slice(1) : rows
  const messages = await withAttachments(room, await Promise.all(page.map((m) => toMessageBody(room, m))))
  return { messages, has_more: rows.length > limit }
}

/** The newest message and how many messages from others `userId` has not read. */
export async function summarize(room: Room, userId: number): Promise<ChatSummary> {
  const [last] = listBefore(room.db, Number.MAX_SAFE_INTEGER, 1)
  return { lastMessage: last ? await toMessageBody(room, last) : null, unreadCount: countUnread(room.db, userId) }
}
