import { and, eq, inArray, notExists, sql } from 'drizzle-orm'
import type { MemberRole } from '../../protocol/http'
import type { Db } from '../db/client'
import { chatMembers, chats, invites } from '../db/schema'

/** One chat `userId` belongs to, as the account deletion plans its way out of it. */
export interface MembershipRow {
  chatId: number
  isGroup: boolean
  role: MemberRole
}

/** Every chat `userId` is a member of (1:1 and groups), with their role. */
export function listMemberships(db: Db, userId: number): Promise<MembershipRow[]> {
  return db
    .select({ chatId: chats.id, isGroup: chats.isGroup, role: chatMembers.role })
    .from(chatMembers)
    .innerJoin(chats, eq(chats.id, chatMembers.chatId))
    .where(eq(chatMembers.userId, userId))
    .all()
}

/**
 * The statements that take `userId` out of every chat, for the caller's batch (one transaction), in
 * this order:
 * 1. each group in `ownedGroupIds` gets a new owner: its oldest admin, else its oldest member (by
 *    `joined_at_ms`, then user id). Chosen inside the statement, so a member who joined or left since
 *    the caller read `ownedGroupIds` is counted as the database has them;
 * 2. every membership of `userId` ends (groups and 1:1 chats alike);
 * 3. each group in `ownedGroupIds` left with no member is deleted (its chat row; the room's storage is
 *    the caller's to erase).
 * A 1:1 chat keeps its row and the other person's membership, so they keep reading it.
 */
export function leaveAllChats(db: Db, userId: number, ownedGroupIds: number[]) {
  const statements = []
  if (ownedGroupIds.length > 0) {
    // `chat_members.chat_id` is the outer row: the subquery's own table is aliased so it cannot shadow it.
    const successor = sql`(
      SELECT m.user_id FROM chat_members AS m
      WHERE m.chat_id = chat_members.chat_id AND m.user_id != ${userId}
      ORDER BY CASE m.role WHEN 'admin' THEN 0 ELSE 1 END, m.joined_at_ms, m.user_id
      LIMIT 1
    )`
    statements.push(
      db
        .update(chatMembers)
        .set({ role: 'owner' })
        .where(and(inArray(chatMembers.chatId, ownedGroupIds), sql`${chatMembers.userId} = ${successor}`)),
    )
  }
  statements.push(db.delete(chatMembers).where(eq(chatMembers.userId, userId)))
  if (ownedGroupIds.length > 0) {
    const anyMember = db.select({ one: sql`1` }).from(chatMembers).where(eq(chatMembers.chatId, chats.id))
    // Rows naming the chat (invites) go first: D1 enforces foreign keys, and one would fail the batch.
    const inviteChatHasMember = db.select({ one: sql`1` }).from(chatMembers).where(eq(chatMembers.chatId, invites.chatId))
    statements.push(db.delete(invites).where(and(inArray(invites.chatId, ownedGroupIds), notExists(inviteChatHasMember))))
    statements.push(db.delete(chats).where(and(inArray(chats.id, ownedGroupIds), eq(chats.isGroup, true), notExists(anyMember))))
  }
  return statements
}

/** The groups of `memberships` that their user owns: the ones {@link leaveAllChats} hands over. */
export function ownedGroupIds(memberships: MembershipRow[]): number[] {
  return memberships.filter((m) => m.isGroup && m.role === 'owner').map((m) => m.chatId)
}

/** Which of `chatIds` no longer exist. */
export async function findDeleted(db: Db, chatIds: number[]): Promise<number[]> {
  if (chatIds.length === 0) return []
  const left = await db.select({ id: chats.id }).from(chats).where(inArray(chats.id, chatIds)).all()
  const existing = new Set(left.map((c) => c.id))
  return chatIds.filter((id) => !existing.has(id))
}
