import { eq } from 'drizzle-orm'
import type { Db } from '../db/client'
import { chatMembers, chats, users } from '../db/schema'

// What a room copies from D1 once (issue #16): its members and which of them have read receipts
// off. From then on the room keeps both itself (`admit`, `removeMember`, `setReadReceipts`), so a
// socket upgrade asks only the room. Read by the object (object/members.ts), hence at rooms/ top level.

/** The chat's members and those with read receipts off; null when the chat does not exist. One D1 query. */
export async function loadRoster(db: Db, chatId: number): Promise<{ members: number[]; receiptsOff: number[] } | null> {
  const rows = await db
    .select({ chatId: chats.id, userId: chatMembers.userId, readReceipts: users.readReceipts })
    .from(chats)
    .leftJoin(chatMembers, eq(chatMembers.chatId, chats.id))
    .leftJoin(users, eq(users.id, chatMembers.userId))
    .where(eq(chats.id, chatId))
    .all()
  if (rows.length === 0) return null
  const members: number[] = []
  const receiptsOff: number[] = []
  for (const { userId, readReceipts } of rows) {
    if (userId === null) continue
    members.push(userId)
    if (readReceipts === false) receiptsOff.push(userId)
  }
  return { members, receiptsOff }
}

/** Whether `userId` has read receipts on (true for an unknown user: the default). One D1 query. */
export async function readReceiptsOn(db: Db, userId: number): Promise<boolean> {
  const row = await db.select({ on: users.readReceipts }).from(users).where(eq(users.id, userId)).get()
  return row?.on ?? true
}
