import { and, eq, isNull, sql } from 'drizzle-orm'
import type { ChatVisibility, MemberRole } from '../../protocol/http'
import { closeRevokedInNewChat } from '../auth/revocation'
import type { Db } from '../db/client'
import { chatMembers, chats, users } from '../db/schema'
import type { AuthUser } from '../env'
import { AppError } from '../errors'
import { canAddPeople, canLeave, canRemove } from '../../protocol/roles'
import { findChat, requireChat, requireMember, type ChatRecord } from './membership'

/** A new group after CreateGroupRequestSchema: name trimmed and checked by the text rule. */
export interface GroupInput {
  name: string
  visibility: ChatVisibility
}

export interface MemberChange {
  chatId: number
  userId: number
  role: MemberRole
  /** False when nothing changed (already a member). */
  changed: boolean
}

/** The username of a live account; 404 `not_found` for an unknown or deleted one (DELETE /me/). */
export async function requireUserName(db: Db, userId: number): Promise<string> {
  const row = await db.select({ username: users.username }).from(users).where(and(eq(users.id, userId), isNull(users.deletedAtMs))).get()
  if (!row) throw new AppError('not_found', 'No such user.')
  return row.username
}

/** The creator becomes the owner; chat and membership are written in one batch (one transaction). */
export async function createGroup(db: Db, creator: AuthUser, input: GroupInput, nowMs = Date.now()): Promise<ChatRecord> {
  // An access token outlives its account by up to 15 minutes; a deleted account joins nothing new.
  await requireUserName(db, creator.id)
  const [[chat]] = await db.batch([
    db
      .insert(chats)
      .values({ isGroup: true, name: input.name, visibility: input.visibility, createdBy: creator.id, createdAtMs: nowMs })
      .returning(),
    // Same batch, same connection: last_insert_rowid() is the chat just inserted.
    db.insert(chatMembers).values({ chatId: sql`last_insert_rowid()`, userId: creator.id, role: 'owner', joinedAtMs: nowMs }),
  ])
  if (!chat) throw new Error('group insert returned no row')
  return chat
}

/**
 * The pair's one 1:1 chat. "min:max" is unique, so two racing requests insert once: the loser's
 * insert does nothing and both read the same row. Both memberships are written in the same batch.
 */
export async function openPrivateChat(db: Db, me: AuthUser, otherId: number, nowMs = Date.now()) {
  if (otherId === me.id) throw new AppError('invalid_request', 'A 1:1 chat needs another person.')
  const [otherName] = await Promise.all([requireUserName(db, otherId), requireUserName(db, me.id)])
  const directKey = `${Math.min(me.id, otherId)}:${Math.max(me.id, otherId)}`
  const chatIdOfPair = sql`(SELECT id FROM chats WHERE direct_key = ${directKey})`
  const addMember = (userId: number) =>
    db.insert(chatMembers).values({ chatId: chatIdOfPair, userId, role: 'member', joinedAtMs: nowMs }).onConflictDoNothing()
  const [inserted] = await db.batch([
    db
      .insert(chats)
      .values({ isGroup: false, createdBy: me.id, createdAtMs: nowMs, directKey })
      .onConflictDoNothing({ target: chats.directKey })
      .returning({ id: chats.id }),
    addMember(me.id),
    addMember(otherId),
  ])
  const chat = inserted[0] ?? (await db.select({ id: chats.id }).from(chats).where(eq(chats.directKey, directKey)).get())
  if (!chat) throw new Error('1:1 chat missing after insert')
  return { chatId: chat.id, peerName: otherName, created: inserted.length > 0 }
}

/**
 * What a membership change needs from the chats' rooms: `env.CHAT_ROOM` in the worker. Narrowed to
 * these calls so the data layer can run where no Durable Object does (the libSQL data-layer tests).
 */
export interface RoomGate {
  getByName(name: string): {
    admit(userId: number): Promise<{ admission: number }>
    undoAdmission(userId: number, admission: number): Promise<unknown>
    removeMember(userId: number): Promise<unknown>
    destroy(): Promise<unknown>
    closeSessions(userId: number, sessionIds: string[], untilMs: number): Promise<unknown>
  }
}

export async function findRole(db: Db, chatId: number, userId: number): Promise<MemberRole | null> {
  const row = await db
    .select({ role: chatMembers.role })
    .from(chatMembers)
    .where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, userId)))
    .get()
  return row?.role ?? null
}

/**
 * Writes the D1 membership row of `userId` as a member; returns its role, or null when no row was
 * written (already a member, or a condition of the write refused it). The default inserts plainly;
 * an invite's join writes the row and counts the use in one batch (`invites.ts`).
 */
export type MembershipWrite = (db: Db, chatId: number, userId: number, nowMs: number) => Promise<MemberRole | null>

const insertMembership: MembershipWrite = async (db, chatId, userId, nowMs) => {
  // INSERT ... SELECT from the chat's row while it is not deleted: a group deleted since the caller
  // found it (DELETE /chat/<id>/, or its last member's account deletion) gets no member, in the
  // statement itself, so no check-then-write race is left.
  const rows = await db
    .insert(chatMembers)
    .select(
      db
        .select({
          chatId: sql<number>`${chats.id}`.as('chat_id'),
          userId: sql<number>`${userId}`.as('user_id'),
          role: sql<MemberRole>`'member'`.as('role'),
          joinedAtMs: sql<number>`${nowMs}`.as('joined_at_ms'),
        })
        .from(chats)
        .where(and(eq(chats.id, chatId), isNull(chats.deletedAtMs), liveAccount(userId))),
    )
    .onConflictDoNothing()
    .returning({ role: chatMembers.role })
  return rows[0]?.role ?? null
}

/**
 * For a membership write's own statement: the account exists and is not deleted. Its deletion may
 * land after `requireUserName` checked it, and then no membership may be written.
 */
export function liveAccount(userId: number) {
  return sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${userId} AND ${users.deletedAtMs} IS NULL)`
}

/**
 * Starts a membership in an existing chat: the room first (`admit`: the user's read cursor moves to
 * the room's last seq and a removal mark is cleared), then the D1 row (`write`). In this order no failure can
 * leave a D1 member whose whole history counts as unread; a message stored between the two counts,
 * as it is in the history they see on opening the chat. An existing member is left alone, so adding
 * them again does not mark their unread messages read. New chats (a group's creator, a new 1:1) need
 * no call: chat ids are never reused (AUTOINCREMENT), so their room holds no message yet. When
 * `write` writes nothing and the user is still no member: 404 `not_found` when the chat was deleted
 * meanwhile (the room it admitted them to is erased again, so no admission outlives the chat; `write`
 * must refuse a deleted chat and a deleted account in its own statement), else the room's admission
 * is undone (`undoAdmission`: not when the room admitted them again since) and `refused` (when given)
 * says why by throwing, or else 404 `not_found` (the account was deleted meanwhile).
 */
export async function startMembership(
  db: Db,
  rooms: RoomGate,
  chatId: number,
  userId: number,
  nowMs: number,
  write: MembershipWrite = insertMembership,
  refused?: () => Promise<never>,
): Promise<MemberChange> {
  const existing = await findRole(db, chatId, userId)
  if (existing) return { chatId, userId, role: existing, changed: false }
  // A deleted account can take no new membership (its access token lives on up to 15 minutes).
  await requireUserName(db, userId)
  // A group deleted since it was found (its key destroyed) makes the room refuse; not the caller's fault.
  const { admission } = await rooms.getByName(String(chatId)).admit(userId).catch(async (err: unknown) => {
    if (await findChat(db, chatId)) throw err
    return refuseDeleted(rooms, chatId)
  })
  // A write that fails (D1 down, the request cut off) leaves no admission behind either.
  const role = await write(db, chatId, userId, nowMs).catch(async (err: unknown) => {
    await rooms.getByName(String(chatId)).undoAdmission(userId, admission).catch(() => {})
    throw err
  })
  if (role) {
    // `admit` told the room of the sessions revoked before it; one revoked since is told now.
    await closeRevokedInNewChat(db, rooms, chatId, userId, Date.now())
    return { chatId, userId, role, changed: true }
  }
  // Joined concurrently by another request: still one membership, and the cursor is as fresh.
  const now = await findRole(db, chatId, userId)
  if (now) return { chatId, userId, role: now, changed: false }
  if (!(await findChat(db, chatId))) return refuseDeleted(rooms, chatId)
  // Refused by the write (an invite used up or revoked meanwhile, the account deleted): the room
  // admitted them already and would let their sockets in, so this admission is undone, unless a later
  // one of theirs (another join in flight) came since: its own write decides.
  await rooms.getByName(String(chatId)).undoAdmission(userId, admission)
  if (refused) return refused()
  throw new AppError('not_found', 'No such user.')
}

/**
 * The chat was deleted while a membership was starting: its room is destroyed again (idempotent), so
 * an admission that landed after the deletion's own `destroy` does not outlive the chat; then 404.
 */
async function refuseDeleted(rooms: RoomGate, chatId: number): Promise<never> {
  await rooms.getByName(String(chatId)).destroy()
  throw new AppError('not_found', 'No such chat.')
}

/** Joining on one's own: public groups only. 1:1 chats and private groups are never open by id. */
export async function joinGroup(db: Db, rooms: RoomGate, chatId: number, user: AuthUser, nowMs = Date.now()): Promise<MemberChange> {
  const chat = await requireChat(db, chatId)
  if (!chat.isGroup) throw new AppError('forbidden', 'Nobody can join a 1:1 chat.')
  if (chat.visibility !== 'public') throw new AppError('forbidden', 'This group is private: an owner or admin must add you.')
  return startMembership(db, rooms, chatId, user.id, nowMs)
}

/** An owner or admin adds someone to a group. */
export async function addMember(db: Db, rooms: RoomGate, chatId: number, actor: AuthUser, userId: number, nowMs = Date.now()): Promise<MemberChange> {
  const { chat, role } = await requireMember(db, chatId, actor.id)
  if (!chat.isGroup) throw new AppError('forbidden', 'Nobody can be added to a 1:1 chat.')
  if (!canAddPeople(role)) throw new AppError('forbidden', 'Only a group owner or admin can add members.')
  return startMembership(db, rooms, chatId, userId, nowMs)
}

/**
 * Ends a group membership: `userId` null (or oneself) leaves, otherwise an owner or admin removes
 * someone of lower rank. The owner cannot leave. The room hears first (`removeMember`: recorded,
 * sockets closed with 4003), then the D1 row goes: if the delete fails, the user keeps a D1 row the
 * room refuses (a retry finishes it), never an open socket after D1 says they left.
 */
export async function removeMember(db: Db, rooms: RoomGate, chatId: number, actor: AuthUser, userId: number | null): Promise<MemberChange> {
  const { chat, role } = await requireMember(db, chatId, actor.id)
  if (!chat.isGroup) throw new AppError('forbidden', 'Nobody can leave or be removed from a 1:1 chat.')
  const targetId = userId ?? actor.id
  let targetRole = role
  if (targetId === actor.id) {
    if (!canLeave(role)) throw new AppError('forbidden', 'The owner cannot leave the group.')
  } else {
    const target = await findRole(db, chatId, targetId)
    if (!target) throw new AppError('not_found', 'That user is not a member of this chat.')
    if (!canRemove(role, target)) throw new AppError('forbidden', 'You cannot remove this member.')
    targetRole = target
  }
  await rooms.getByName(String(chatId)).removeMember(targetId)
  await db.delete(chatMembers).where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, targetId)))
  return { chatId, userId: targetId, role: targetRole, changed: true }
}

/** Public groups the user has not joined, most members first. */
export async function exploreGroups(db: Db, userId: number, limit = 100) {
  const memberCount = sql<number>`count(${chatMembers.userId})`
  return db
    .select({ chatId: chats.id, name: chats.name, memberCount })
    .from(chats)
    .innerJoin(chatMembers, eq(chatMembers.chatId, chats.id))
    .where(
      and(
        eq(chats.isGroup, true),
        eq(chats.visibility, 'public'),
        sql`${chats.id} NOT IN (SELECT chat_id FROM chat_members WHERE user_id = ${userId})`,
      ),
    )
    .groupBy(chats.id)
    .orderBy(sql`${memberCount} DESC`, sql`${chats.id} DESC`)
    .limit(limit)
}
