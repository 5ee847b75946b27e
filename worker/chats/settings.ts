import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { ChatVisibility, SystemEvent } from '../../protocol/http'
import { canDeleteOrTransfer, canManageGroup } from '../../protocol/roles'
import type { Db } from '../db/client'
import { chatMembers, chats } from '../db/schema'
import type { AuthUser } from '../env'
import { AppError } from '../errors'
import { findRole } from './chats'
import { requireMember, type ChatRecord, type Membership } from './membership'
import { actorOf } from './system-events'

/**
 * The caller's membership of a group they may administer: 404 no chat, 403 `not_member`,
 * 400 `not_group` for a 1:1 chat, 403 `forbidden` below `owner` (`ownerOnly`) or below admin.
 */
export async function requireGroupAdmin(db: Db, chatId: number, actor: AuthUser, ownerOnly = false): Promise<Membership> {
  const membership = await requireMember(db, chatId, actor.id)
  if (!membership.chat.isGroup) throw new AppError('not_group', 'A 1:1 chat has no group settings, owner or invites.')
  const allowed = ownerOnly ? canDeleteOrTransfer(membership.role) : canManageGroup(membership.role)
  if (!allowed) throw new AppError('forbidden', ownerOnly ? 'Only the group owner can do this.' : 'Only a group owner or admin can do this.')
  return membership
}

/** PATCH /chat/<id>/ after UpdateChatRequestSchema: the name already trimmed and checked by the text rule. */
export interface GroupSettings {
  name?: string
  visibility?: ChatVisibility
}

export interface SettingsChange {
  chat: ChatRecord
  /** The new name, when it changed. */
  renamed: string | null
  /** The new visibility, when it changed. */
  visibility: ChatVisibility | null
}

/** An owner or admin renames a group or makes it public or private; asking for the current values changes nothing. */
export async function updateGroup(db: Db, chatId: number, actor: AuthUser, settings: GroupSettings): Promise<SettingsChange> {
  const { chat } = await requireGroupAdmin(db, chatId, actor)
  const renamed = settings.name !== undefined && settings.name !== chat.name ? settings.name : null
  const visibility = settings.visibility !== undefined && settings.visibility !== chat.visibility ? settings.visibility : null
  if (renamed === null && visibility === null) return { chat, renamed, visibility }
  const updated = await db
    .update(chats)
    .set({ ...(renamed !== null && { name: renamed }), ...(visibility !== null && { visibility }) })
    .where(and(eq(chats.id, chatId), isNull(chats.deletedAtMs)))
    .returning({ name: chats.name, visibility: chats.visibility })
  if (!updated[0]) throw new AppError('not_found', 'No such chat.')
  return { chat: { ...chat, ...updated[0] }, renamed, visibility }
}

/**
 * Hands the group from its owner `fromUserId` to `toUserId`, a current member, who becomes the owner;
 * the old owner becomes an admin (and may then leave). One UPDATE of both rows, conditional on
 * `fromUserId` still being the owner and `toUserId` still a member, so two racing transfers leave
 * exactly one owner. Throws `invalid_request` (to oneself), `not_found` (`toUserId` is no member),
 * `forbidden` (`fromUserId` is not the owner). A plain function, so account deletion can reuse it.
 */
export async function transferOwnership(db: Db, chatId: number, fromUserId: number, toUserId: number): Promise<void> {
  if (fromUserId === toUserId) throw new AppError('invalid_request', 'The owner already owns the group.', 'user_id')
  const isMember = (userId: number, role?: 'owner') =>
    sql`EXISTS (SELECT 1 FROM chat_members WHERE chat_id = ${chatId} AND user_id = ${userId}${role ? sql` AND role = ${role}` : sql``})`
  const changed = await db
    .update(chatMembers)
    .set({ role: sql`CASE WHEN ${chatMembers.userId} = ${fromUserId} THEN 'admin' ELSE 'owner' END` })
    .where(and(eq(chatMembers.chatId, chatId), inArray(chatMembers.userId, [fromUserId, toUserId]), isMember(fromUserId, 'owner'), isMember(toUserId)))
    .returning({ userId: chatMembers.userId })
  if (changed.length === 2) return
  if ((await findRole(db, chatId, toUserId)) === null) throw new AppError('not_found', 'That user is not a member of this chat.', 'user_id')
  throw new AppError('forbidden', 'Only the group owner can hand the group over.')
}

/** POST /chat/<id>/transfer/: the calling owner hands the group to `toUserId` (`transferOwnership`). */
export async function transferGroup(db: Db, chatId: number, actor: AuthUser, toUserId: number): Promise<void> {
  await requireGroupAdmin(db, chatId, actor, true)
  await transferOwnership(db, chatId, actor.id, toUserId)
}

/** The system events of a settings change, in the order they happened: the rename first. */
export function settingsEvents(change: SettingsChange, actor: AuthUser): SystemEvent[] {
  const events: SystemEvent[] = []
  if (change.renamed !== null) events.push({ type: 'renamed', name: change.renamed, ...actorOf(actor) })
  if (change.visibility !== null) events.push({ type: 'visibility_changed', visibility: change.visibility, ...actorOf(actor) })
  return events
}
