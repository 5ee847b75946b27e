import { eq } from 'drizzle-orm'
import type { Db } from '../db/client'
import { chatMembers, users } from '../db/schema'
import type { Env } from '../env'

// Read-receipt settings, Worker side: D1 holds them (`users.read_receipts`); rooms keep a copy of
// their members' (`object/receipts.ts`), copied once and told of every change.

/**
 * PATCH /me/ `read_receipts`: D1 first (a room copying its members later reads it there), then every
 * room of the user in parallel, so rooms apply it at once: one RPC per chat of the user (200 chats,
 * 200 calls; the setting changes rarely). Rooms do not re-read D1 on upgrades (issue #16), so a
 * failed call is retried once; a room failing twice keeps the old setting until the next change.
 */
export async function setReadReceipts(env: Env, db: Db, userId: number, on: boolean): Promise<void> {
  await db.update(users).set({ readReceipts: on }).where(eq(users.id, userId))
  const rows = await db.select({ chatId: chatMembers.chatId }).from(chatMembers).where(eq(chatMembers.userId, userId)).all()
  const tell = (chatIds: number[]) => Promise.allSettled(chatIds.map((chatId) => env.CHAT_ROOM.getByName(String(chatId)).setReadReceipts(userId, on)))
  const chatIds = rows.map((r) => r.chatId)
  const results = await tell(chatIds)
  const failed = chatIds.filter((_, i) => results[i]!.status === 'rejected')
  if (failed.length > 0) await tell(failed)
}
