import { and, eq, isNull, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { chatMembers, chats, invites } from '../db/schema'

/** A group the account deletion handed to `ownerId` (its oldest admin, else its oldest member). */
export interface HandOver {
  chatId: number
  ownerId: number
}

/**
 * The statements that take `userId` out of every chat, for the caller's batch (one transaction), as
 * a tuple whose results the caller reads by position:
 * 0. every chat `userId` is in (`{ chatId }`), read in the transaction, before the rest;
 * 1. each group `userId` owns gets a new owner: its oldest admin, else its oldest member (by
 *    `joined_at_ms`, then user id); returns `{ chatId, ownerId }` per group handed over;
 * 2. each group whose only member is `userId` becomes a tombstone (`deleted_at_ms` = `nowMs`, name
 *    cleared), as DELETE /chat/<id>/ leaves it; returns `{ id }` per group deleted: the caller erases
 *    their key, room and files;
 * 3. the invites of those groups are deleted;
 * 4. every membership of `userId` ends (groups and 1:1 chats alike).
 * Every set is chosen inside its statement, from the rows as the transaction sees them, never from a
 * list read before it: two accounts deleted at once (an owner and the only other member) each see the
 * other's batch whole or not at all, so the group they shared is handed over by the first and deleted
 * by the second (issue #14). A 1:1 chat keeps its row and the other person's membership.
 */
export function leaveAllChats(db: Db, userId: number, nowMs: number) {
  // `chat_members`/`chats` are the outer rows: the subqueries' own tables are aliased so they cannot shadow them.
  const successor = sql`(
    SELECT m.user_id FROM chat_members AS m
    WHERE m.chat_id = chat_members.chat_id AND m.user_id != ${userId}
    ORDER BY CASE m.role WHEN 'admin' THEN 0 ELSE 1 END, m.joined_at_ms, m.user_id
    LIMIT 1
  )`
  const owned = sql`(SELECT o.chat_id FROM chat_members AS o WHERE o.user_id = ${userId} AND o.role = 'owner')`
  const mine = sql`(SELECT o.chat_id FROM chat_members AS o WHERE o.user_id = ${userId})`
  const nobodyElse = sql`NOT EXISTS (SELECT 1 FROM chat_members AS o WHERE o.chat_id = chats.id AND o.user_id != ${userId})`
  // Every group of `userId` that is a tombstone here was made one by statement 2: DELETE /chat/<id>/
  // ends every membership in the same batch as it sets `deleted_at_ms`.
  const deletedHere = sql`(SELECT c.id FROM chats AS c WHERE c.deleted_at_ms IS NOT NULL AND c.id IN ${mine})`
  return [
    db.select({ chatId: chatMembers.chatId }).from(chatMembers).where(eq(chatMembers.userId, userId)),
    db
      .update(chatMembers)
      .set({ role: 'owner' })
      .where(and(sql`${chatMembers.chatId} IN ${owned}`, sql`${chatMembers.userId} = ${successor}`))
      .returning({ chatId: chatMembers.chatId, ownerId: chatMembers.userId }),
    db
      .update(chats)
      .set({ deletedAtMs: nowMs, name: null })
      .where(and(eq(chats.isGroup, true), isNull(chats.deletedAtMs), sql`${chats.id} IN ${mine}`, nobodyElse))
      .returning({ id: chats.id }),
    db.delete(invites).where(sql`${invites.chatId} IN ${deletedHere}`),
    db.delete(chatMembers).where(eq(chatMembers.userId, userId)),
  ] as const
}
