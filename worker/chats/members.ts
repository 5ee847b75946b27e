import { and, asc, eq, sql } from 'drizzle-orm'
import type { MemberBody, MemberRole } from '../../protocol/http'
import { byRank, canChangeRole } from '../../protocol/roles'
import type { Db } from '../db/client'
import { chatMembers, users } from '../db/schema'
import type { AuthUser } from '../env'
import { AppError } from '../errors'
import type { MemberChange } from './chats'
import { isoOrNull } from './list'
import { requireMember } from './membership'

export interface RoleChange {
  userId: number
  role: Exclude<MemberRole, 'owner'>
}

/**
 * Changes a member's role as `canChangeRole` (protocol/roles.ts) allows: only the owner, never the
 * owner's own role. Ownership itself never changes hands here.
 */
export async function setMemberRole(db: Db, chatId: number, actor: AuthUser, change: RoleChange): Promise<MemberChange> {
  const { chat, role } = await requireMember(db, chatId, actor.id)
  if (!chat.isGroup) throw new AppError('forbidden', 'A 1:1 chat has no roles.')
  // Asked before the target is looked up, so a refused caller learns nothing about who is a member.
  if (!canChangeRole(role, 'member')) throw new AppError('forbidden', 'Only the group owner can change roles.')
  if (change.userId === actor.id) throw new AppError('invalid_request', 'The owner keeps the owner role.')
  const target = await db
    .select({ role: chatMembers.role })
    .from(chatMembers)
    .where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, change.userId)))
    .get()
  if (!target) throw new AppError('not_found', 'That user is not a member of this chat.')
  if (!canChangeRole(role, target.role)) throw new AppError('forbidden', 'The owner role never changes hands.')
  if (target.role === change.role) return { chatId, userId: change.userId, role: change.role, changed: false }
  await db
    .update(chatMembers)
    .set({ role: change.role })
    .where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, change.userId)))
  return { chatId, userId: change.userId, role: change.role, changed: true }
}

/** Everyone in the chat with their role, highest rank first, then by name; members only (requireMember). */
export async function listMembers(db: Db, chatId: number, viewer: AuthUser): Promise<MemberBody[]> {
  await requireMember(db, chatId, viewer.id)
  const rows = await db
    .select({
      userid: users.id,
      username: users.username,
      role: chatMembers.role,
      joinedAtMs: chatMembers.joinedAtMs,
      online: users.online,
      lastSeenAtMs: users.lastSeenAtMs,
    })
    .from(chatMembers)
    .innerJoin(users, eq(users.id, chatMembers.userId))
    .where(eq(chatMembers.chatId, chatId))
    .orderBy(asc(sql`lower(${users.username})`))
    .all()
  // A stable sort keeps the name order within each rank.
  rows.sort((a, b) => byRank(a.role, b.role))
  return rows.map((r) => ({
    userid: r.userid,
    username: r.username,
    role: r.role,
    joined_at: new Date(r.joinedAtMs).toISOString(),
    online: r.online,
    last_seen_at: r.online ? null : isoOrNull(r.lastSeenAtMs),
  }))
}
