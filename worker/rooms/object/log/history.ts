import type { HistoryResponse, MessageBody } from '../../../../protocol/http'
import type { Room } from '../room'
import { loadBodies } from './bodies'
import { toMessageBody } from './seal'
import { countUnread, findNewestMessage, listBefore } from './store'

/** Preview and unread count of one chat for one member (GET /chat/list/). */
export interface ChatSummary {
  lastMessage: MessageBody | null
  unreadCount: number
}

/**
 * Up to `limit` messages and system messages with seq < before (from the newest when null), oldest
 * first, in their current state. Change entries are not listed: their effect is in the bodies.
 */
export async function historyPage(room: Room, before: number | null, limit: number): Promise<HistoryResponse> {
  const rows = listBefore(room.db, before ?? Number.MAX_SAFE_INTEGER, limit + 1)
  const page = rows.length > limit ? rows.slice(1) : rows
  return { messages: await loadBodies(room, page), has_more: rows.length > limit }
}

/** The newest member's message (not deleted, not a system message) and how many messages from others `userId` has not read. */
export async function summarize(room: Room, userId: number): Promise<ChatSummary> {
  const last = findNewestMessage(room.db)
  return { lastMessage: last ? await toMessageBody(room, last) : null, unreadCount: countUnread(room.db, userId) }
}
