import { and, eq, ne, sql } from 'drizzle-orm'
import { alias } from 'drizzle-orm/sqlite-core'
import type { Db } from '../db/client'
import { chatMembers, users } from '../db/schema'

// Presence in D1: written by the user's hub when it flips, read by lists and the presence fan-out.

/** Marks the user online, or offline as of `nowMs` (their `last_seen_at`). */
export async function writePresence(db: Db, userId: number, online: boolean, nowMs: number): Promise<void> {
  await db
    .update(users)
    .set(online ? { online: true } : { online: false, lastSeenAtMs: nowMs })
    .where(eq(users.id, userId))
}

export interface Contact {
  userId: number
  lastSeenAtMs: number | null
}

/**
 * People who share at least one chat with `userId` and are online now, at most `limit`: whom to tell
 * that `userId` flipped, and whom to show a new channel. Only D1's membership decides, so a user
 * sharing no chat, or removed from the last one they shared, never learns anything.
 */
export async function onlineContacts(db: Db, userId: number, limit: number): Promise<Contact[]> {
  const them = alias(chatMembers, 'them')
  return db
    .selectDistinct({ userId: users.id, lastSeenAtMs: users.lastSeenAtMs })
    .from(chatMembers)
    .innerJoin(them, and(eq(them.chatId, chatMembers.chatId), ne(them.userId, userId)))
    .innerJoin(users, eq(users.id, them.userId))
    .where(and(eq(chatMembers.userId, userId), eq(users.online, true)))
    .orderBy(sql`${users.id}`)
    .limit(limit)
    .all()
}
