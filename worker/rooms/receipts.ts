import { and, eq } from 'drizzle-orm'
import * as v from 'valibot'
import type { Db } from '../db/client'
import { chatMembers, users } from '../db/schema'
import type { Env } from '../env'

// Read-receipt settings, Worker side: D1 holds them (`users.read_receipts`); rooms keep a copy of
// their members' (`object/receipts.ts`), refreshed on every upgrade and told of every change.

/** The worker puts the ids of the chat's members with read receipts off here (JSON array); a client's copy is deleted first. */
export const RECEIPTS_OFF_HEADER = 'X-Chat-Receipts-Off'

const UserIds = v.array(v.pipe(v.number(), v.integer(), v.minValue(1)))

/** The chat's members with read receipts off: one indexed D1 query per upgrade. */
export async function receiptsOffIn(db: Db, chatId: number): Promise<number[]> {
  const rows = await db
    .select({ userId: chatMembers.userId })
    .from(chatMembers)
    .innerJoin(users, eq(users.id, chatMembers.userId))
    .where(and(eq(chatMembers.chatId, chatId), eq(users.readReceipts, false)))
    .all()
  return rows.map((r) => r.userId)
}

export function decodeReceiptsOff(raw: string | null): number[] | null {
  if (raw === null) return null
  try {
    const parsed = v.safeParse(UserIds, JSON.parse(raw))
    return parsed.success ? parsed.output : null
  } catch {
    return null
  }
}

/**
 * PATCH /me/ `read_receipts`: D1 first (the next upgrade of any room reads it), then every room of
 * the user in parallel, so open rooms apply it at once: one RPC per chat of the user (200 chats,
 * 200 calls; the setting changes rarely). A room that fails catches up at its next upgrade, which
 * reads D1 again.
 */
export async function setReadReceipts(env: Env, db: Db, userId: number, on: boolean): Promise<void> {
  await db.update(users).set({ readReceipts: on }).where(eq(users.id, userId))
  const chats = await db.select({ chatId: chatMembers.chatId }).from(chatMembers).where(eq(chatMembers.userId, userId)).all()
  await Promise.allSettled(chats.map(({ chatId }) => env.CHAT_ROOM.getByName(String(chatId)).setReadReceipts(userId, on)))
}
