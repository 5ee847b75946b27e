import { and, eq, isNull } from 'drizzle-orm'
import type { ChatVisibility, MemberRole } from '../../protocol/http'
import { hasRole } from '../../protocol/roles'
import type { Db } from '../db/client'
import { chatMembers, chats } from '../db/schema'
import { AppError } from '../errors'

export interface ChatRecord {
  id: number
  isGroup: boolean
  name: string | null
  visibility: ChatVisibility | null
  createdBy: number
  createdAtMs: number
}

export interface Membership {
  chat: ChatRecord
  userId: number
  role: MemberRole
  joinedAtMs: number
}

const chatColumns = {
  id: chats.id,
  isGroup: chats.isGroup,
  name: chats.name,
  visibility: chats.visibility,
  createdBy: chats.createdBy,
  createdAtMs: chats.createdAtMs,
}

/** A deleted group (`deleted_at_ms` set, DELETE /chat/<id>/) is no chat: null here, 404 below. */
export async function findChat(db: Db, chatId: number): Promise<ChatRecord | null> {
  const row = await db.select(chatColumns).from(chats)
    .where(and(eq(chats.id, chatId), isNull(chats.deletedAtMs)))
    .get()
  return row ?? null
}

export async function requireChat(db: Db, chatId: number): Promise<ChatRecord> {
  const chat = await findChat(db, chatId)
  if (!chat) throw new AppError('not_found', 'No such chat.')
  return chat
}

/**
 * The one membership check, for REST routes and the socket upgrade alike: 404 for a chat that does
 * not exist, 403 `not_member` for a non-member, 403 `forbidden` when `role` is required and missing.
 */
export async function requireMember(db: Db, chatId: number, userId: number, role?: MemberRole): Promise<Membership> {
  // One round trip: the chat and the caller's membership row, if any.
  const row = await db
    .select({ ...chatColumns, role: chatMembers.role, joinedAtMs: chatMembers.joinedAtMs })
    .from(chats)
    .leftJoin(chatMembers, and(eq(chatMembers.chatId, chats.id), eq(chatMembers.userId, userId)))
    .where(and(eq(chats.id, chatId), isNull(chats.deletedAtMs)))
    .get()
  if (!row) throw new AppError('not_found', 'No such chat.')
  const { role: memberRole, joinedAtMs, ...chat } = row
  if (memberRole === null || joinedAtMs === null) throw new AppError('not_member', 'You are not a member of this chat.')
  if (role && !hasRole(memberRole, role)) {
    throw new AppError('forbidden', `Only a group ${role} can do this.`)
  }
  return { chat, userId, role: memberRole, joinedAtMs }
}
