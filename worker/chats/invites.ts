import { and, desc, eq, gt, isNull, or, sql } from 'drizzle-orm'
import { INVITE_CODE_BYTES, type InviteBody, type MemberRole } from '../../protocol/http'
import { sha256Hex } from '../crypto/hash'
import { randomToken } from '../crypto/random'
import type { Db } from '../db/client'
import { chatMembers, invites } from '../db/schema'
import type { AuthUser } from '../env'
import { AppError } from '../errors'
import { enforceRateLimit } from '../http/rate-limit'
import { findRole, liveAccount, startMembership, type MemberChange, type MembershipWrite, type RoomGate } from './chats'
import { findChat } from './membership'
import { requireGroupAdmin } from './settings'

// Invite links. A code is 32 random bytes (256 bits) shown once; D1 keeps only its SHA-256, and a
// code is found by that hash through a unique index. The lookup compares hashes, never the code, so
// its timing tells an attacker nothing about how close a guess came (docs/security.md).

export type InviteRecord = typeof invites.$inferSelect

/** Most invites GET lists: the newest. */
const LIST_LIMIT = 100
/** Bytes of the non-secret invite id (16 base64url characters). */
const INVITE_ID_BYTES = 12

export interface InviteSettings {
  expiresInSeconds: number
  /** Null: no limit. */
  maxUses: number | null
}

/** An owner or admin makes an invite link; the code is returned here and never again. */
export async function createInvite(db: Db, chatId: number, actor: AuthUser, settings: InviteSettings, nowMs = Date.now()) {
  await requireGroupAdmin(db, chatId, actor)
  const code = randomToken(INVITE_CODE_BYTES)
  const [record] = await db
    .insert(invites)
    .values({
      id: randomToken(INVITE_ID_BYTES),
      chatId,
      codeHash: await sha256Hex(code),
      createdBy: actor.id,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + settings.expiresInSeconds * 1000,
      maxUses: settings.maxUses,
    })
    .returning()
  if (!record) throw new Error('invite insert returned no row')
  return { record, code }
}

/** The group's invites not revoked, newest first, expired and used-up ones included (the client shows their state). */
export async function listInvites(db: Db, chatId: number, actor: AuthUser): Promise<InviteRecord[]> {
  await requireGroupAdmin(db, chatId, actor)
  return db
    .select()
    .from(invites)
    .where(and(eq(invites.chatId, chatId), isNull(invites.revokedAtMs)))
    .orderBy(desc(invites.createdAtMs), desc(invites.id))
    .limit(LIST_LIMIT)
    .all()
}

/** An owner or admin revokes an invite by its id; revoking it again is not an error. */
export async function revokeInvite(db: Db, chatId: number, actor: AuthUser, inviteId: string, nowMs = Date.now()): Promise<void> {
  await requireGroupAdmin(db, chatId, actor)
  const rows = await db
    .update(invites)
    .set({ revokedAtMs: sql`coalesce(${invites.revokedAtMs}, ${nowMs})` })
    .where(and(eq(invites.id, inviteId), eq(invites.chatId, chatId)))
    .returning({ id: invites.id })
  if (rows.length === 0) throw new AppError('not_found', 'No such invite in this chat.')
}

/** Why an invite cannot be used now; null when it can. */
function refusalOf(invite: InviteRecord, nowMs: number): AppError | null {
  if (invite.revokedAtMs !== null) return new AppError('invite_revoked', 'This invite link was revoked.')
  if (invite.expiresAtMs <= nowMs) return new AppError('invite_expired', 'This invite link has expired.')
  if (invite.maxUses !== null && invite.uses >= invite.maxUses) return new AppError('invite_exhausted', 'This invite link has been used up.')
  return null
}

/**
 * The membership write of a join by invite: one batch (one transaction) counts the use, only while
 * the invite is usable, its group not deleted and the user no member yet, and inserts the membership only if that
 * update changed a row (`changes()` on the batch's one connection). Two joins racing for the last
 * use are serialized by the database: one counts and joins, the other changes nothing.
 */
function joinWithUse(inviteId: string, nowMs: number): MembershipWrite {
  return async (db, chatId, userId, joinedAtMs) => {
    const [, inserted] = await db.batch([
      db
        .update(invites)
        .set({ uses: sql`${invites.uses} + 1` })
        .where(
          and(
            eq(invites.id, inviteId),
            isNull(invites.revokedAtMs),
            gt(invites.expiresAtMs, nowMs),
            or(isNull(invites.maxUses), sql`${invites.uses} < ${invites.maxUses}`),
            sql`NOT EXISTS (SELECT 1 FROM chat_members WHERE chat_id = ${chatId} AND user_id = ${userId})`,
            // The group may have been deleted since the invite was read (its last member's account deletion).
            sql`EXISTS (SELECT 1 FROM chats WHERE id = ${chatId} AND deleted_at_ms IS NULL)`,
            liveAccount(userId),
          ),
        ),
      // INSERT ... SELECT from the invite's row, kept only when the update above changed it.
      db
        .insert(chatMembers)
        .select(
          db
            .select({
              chatId: sql<number>`${chatId}`.as('chat_id'),
              userId: sql<number>`${userId}`.as('user_id'),
              role: sql<MemberRole>`'member'`.as('role'),
              joinedAtMs: sql<number>`${joinedAtMs}`.as('joined_at_ms'),
            })
            .from(invites)
            .where(and(eq(invites.id, inviteId), sql`changes() = 1`)),
        )
        .onConflictDoNothing()
        .returning({ role: chatMembers.role }),
    ])
    return inserted[0]?.role ?? null
  }
}

/**
 * Joins the group of invite `code` (POST /join/<code>/). Already a member: unchanged, no use counted.
 * Throws `not_found` (no such code, or its group was deleted), `invite_revoked`, `invite_expired`,
 * `invite_exhausted`. The membership starts the one way every membership does (`startMembership`).
 */
export async function joinByInvite(db: Db, rooms: RoomGate, code: string, user: AuthUser, nowMs = Date.now()): Promise<MemberChange> {
  const codeHash = await sha256Hex(code)
  const invite = await db.select().from(invites).where(eq(invites.codeHash, codeHash)).get()
  const chat = invite && (await findChat(db, invite.chatId))
  if (!invite || !chat) throw new AppError('not_found', 'No such invite link.')
  const role = await findRole(db, chat.id, user.id)
  if (role) return { chatId: chat.id, userId: user.id, role, changed: false }
  const refusal = refusalOf(invite, nowMs)
  if (refusal) throw refusal
  const refused = async (): Promise<never> => {
    const now = await db.select().from(invites).where(eq(invites.id, invite.id)).get()
    throw (now && refusalOf(now, nowMs)) ?? new AppError('not_found', 'No such invite link.')
  }
  return startMembership(db, rooms, chat.id, user.id, nowMs, joinWithUse(invite.id, nowMs), refused)
}

/** An invite as GET lists it (no code). */
export function toInviteBody(r: InviteRecord): InviteBody {
  return {
    id: r.id,
    chat_id: r.chatId,
    created_by: r.createdBy,
    created_at: new Date(r.createdAtMs).toISOString(),
    expires_at: new Date(r.expiresAtMs).toISOString(),
    max_uses: r.maxUses,
    uses: r.uses,
  }
}

/**
 * POST /join/<code>/ costs one unit of JOIN_LIMITER per user and one per client IP (CF-Connecting-IP,
 * set by Cloudflare; absent only locally, where that limit is skipped), before the code is even
 * parsed: guessing codes (256 bits) is hopeless anyway, and this keeps it from costing us D1 reads.
 */
export async function limitJoins(limiter: RateLimit, userId: number, ip: string | undefined): Promise<void> {
  const message = 'Too many invite links tried; wait a minute.'
  await enforceRateLimit(limiter, `join:user:${userId}`, message)
  if (ip) await enforceRateLimit(limiter, `join:ip:${ip}`, message)
}
