import type { ChatFrame, ChatRemovedFrame } from '../../protocol/channel'
import { listRowsOfChat, summaryOf, toListItem } from '../chats/list'
import type { Db } from '../db/client'
import type { Env } from '../env'
import { errorFields, log } from '../log'

// Membership changes made by the chat routes, told to the affected users' hubs. Run after the
// response (waitUntil): a failure is logged and the client's list catches up on its next load.

/**
 * The chat's list row changed for `userIds` (created, joined, added, role): a `chat` frame to each
 * who is online. `null` (a rename, a visibility change): every member whose channel is open now.
 */
export async function pushChatRows(env: Env, db: Db, chatId: number, userIds: number[] | null): Promise<void> {
  try {
    const rows = await listRowsOfChat(db, chatId, userIds)
    await Promise.all(
      rows.map(async (row) => {
        const frame: ChatFrame = { type: 'chat', chat: toListItem(row, await summaryOf(env.CHAT_ROOM, chatId, row.userId)) }
        await env.USER_HUB.getByName(String(row.userId)).deliver(JSON.stringify(frame))
      }),
    )
  } catch (err) {
    log.error('chat_notify_failed', { chat_id: chatId, ...errorFields(err) })
  }
}

/** `userId` left or was removed: a `chat_removed` frame to their channels. */
export async function pushChatRemoved(env: Env, chatId: number, userId: number): Promise<void> {
  const frame: ChatRemovedFrame = { type: 'chat_removed', chat_id: chatId }
  await env.USER_HUB.getByName(String(userId))
    .deliver(JSON.stringify(frame))
    .catch((err: unknown) => log.error('chat_notify_failed', { chat_id: chatId, user_id: userId, ...errorFields(err) }))
}
