import { and, eq, isNull } from 'drizzle-orm'
import { DELETED_USER_NAME } from '../../protocol/http'
import { bytesToHex } from '../crypto/encoding'
import { randomBytes } from '../crypto/random'
import type { Db } from '../db/client'
import { users } from '../db/schema'
import type { Env } from '../env'
import { AppError } from '../errors'
import { errorFields, log } from '../log'
import { withRetries } from '../retry'
import { eraseGroup } from '../chats/delete'
import { leaveAllChats, type HandOver } from '../chats/hand-over'
import { recordEvent, subjectOf } from '../chats/system-events'
import { foldIdentifier, usernameSkeleton } from '../auth/identifiers'
import { revokeSessionsStatements } from '../auth/sessions'
import { requirePassword } from './password'
import { retiredKey, retireUsernameStatement } from './retired-names'

/** What a deletion left behind in the rooms, for {@link closeDeletedAccount}. */
export interface DeletedAccount {
  userId: number
  /** Chats the user was in that still exist: 1:1 chats, and groups handed to someone else. */
  leftChatIds: number[]
  /** Groups deleted because the user was their only member (tombstones in D1; room, key and files still to erase). */
  deletedGroupIds: number[]
  /** Groups the user owned, each with its new owner, for the `ownership_transferred` system message. */
  handedOver: HandOver[]
}

/**
 * The identifiers a deleted account's row keeps: random, so they free the old email (a person may
 * register it again; see docs/security.md) and never collide with, or look like, a name anyone
 * chooses. The old username stays taken through `retired_usernames`, not through this row. The email
 * is under `.invalid` (RFC 2606), which no address can be.
 */
function tombstone() {
  const tag = `deleted-${bytesToHex(randomBytes(16))}`
  const email = `${tag}@deleted.invalid`
  return { username: tag, email, usernameCanonical: foldIdentifier(tag), usernameSkeleton: usernameSkeleton(tag), emailCanonical: foldIdentifier(email) }
}

/**
 * DELETE /me/, the part in D1: once `password` checks out (`requirePassword`), one batch (one
 * transaction, so never half-written) revokes every session and refresh token, hands each group the
 * user owns to its oldest admin or else oldest member, deletes (tombstones) the groups they were the
 * only member of, ends every membership, and turns the user's row into a tombstone: random email and
 * username, no password hash (nothing verifies against it), `deleted_at_ms` set, presence cleared. The
 * row stays because messages and chats name its id. The username's skeleton is retired in the same
 * batch (`retireUsernameStatement`), so the name never comes back. Which chats the user was in, which
 * groups were handed over and which were deleted all come from the batch itself (`leaveAllChats`), so
 * a concurrent deletion or join is seen as the database ordered it. `nowMs` is epoch ms.
 */
export async function deleteAccount(db: Db, userId: number, password: string, nowMs = Date.now()): Promise<DeletedAccount> {
  await requirePassword(db, userId, password)
  const { username } = (await db.select({ username: users.username }).from(users).where(eq(users.id, userId)).get())!
  const retired = await retiredKey(username)
  const [memberships, handedOver, deleted, ...rest] = await db.batch([
    ...leaveAllChats(db, userId, nowMs),
    ...revokeSessionsStatements(db, userId, nowMs),
    retireUsernameStatement(db, retired, nowMs),
    db
      .update(users)
      .set({ ...tombstone(), passwordHash: '', deletedAtMs: nowMs, online: false, lastSeenAtMs: null })
      .where(and(eq(users.id, userId), isNull(users.deletedAtMs)))
      .returning({ id: users.id }),
  ])
  // Two deletions of one account at once (two tabs) both pass the password check; the batches run
  // one after the other, and every statement is idempotent on a deleted account, so the second
  // changes nothing but must not answer 200: it is told its session is gone, as it now is.
  if ((rest.at(-1) as { id: number }[]).length === 0) throw new AppError('session_revoked', 'This account was deleted.')
  const deletedGroupIds = deleted.map((c) => c.id)
  const leftChatIds = memberships.map((m) => m.chatId).filter((id) => !deletedGroupIds.includes(id))
  return { userId, leftChatIds, deletedGroupIds, handedOver }
}

/** Tries a room or hub call this many times before logging it as failed. */
const CLEANUP_ATTEMPTS = 3

/**
 * DELETE /me/, the part in the Durable Objects, after D1 has committed: every room the user was in
 * forgets them (`forgetUser`: sockets closed with 4005, their stored name replaced by "Deleted
 * user"), and each group handed over then gets its `ownership_transferred` system message ("Deleted
 * user" → the new owner, as POST /chat/<id>/transfer/ records one); each deleted group is erased
 * (`eraseGroup`: data key, room, files), and their hub closes every live channel with 4005. All calls
 * are idempotent and run in parallel; one that keeps failing is logged (`account_cleanup_failed`, ids
 * only) and does not undo the deletion. A failed system message is logged by `recordEvent` alone.
 */
export async function closeDeletedAccount(env: Env, db: Db, deleted: DeletedAccount): Promise<void> {
  const { userId } = deleted
  const newOwners = new Map(deleted.handedOver.map((h) => [h.chatId, h.ownerId]))
  const announce = async (chatId: number) => {
    const ownerId = newOwners.get(chatId)
    if (ownerId === undefined) return
    const event = { type: 'ownership_transferred' as const, actor_id: userId, actor: DELETED_USER_NAME, actor_deleted: true as const, ...(await subjectOf(db, ownerId)) }
    await recordEvent(env.CHAT_ROOM, chatId, event)
  }
  const calls = [
    ...deleted.leftChatIds.map((chatId) => ({ chatId, run: () => env.CHAT_ROOM.getByName(String(chatId)).forgetUser(userId) })),
    // Key first (crypto-shredding), then the room, then its files: the order of DELETE /chat/<id>/.
    ...deleted.deletedGroupIds.map((chatId) => ({ chatId, run: () => eraseGroup(env, db, chatId) })),
    { chatId: null, run: () => env.USER_HUB.getByName(String(userId)).closeChannels() },
  ]
  await Promise.all(
    calls.map(async ({ chatId, run }) => {
      const err = await withRetries(run, CLEANUP_ATTEMPTS)
      if (err !== null) {
        log.error('account_cleanup_failed', { user_id: userId, chat_id: chatId, ...errorFields(err) })
        return
      }
      // After forgetUser, so the line follows every rename of the old name.
      if (chatId !== null && deleted.leftChatIds.includes(chatId)) await announce(chatId)
    }),
  )
}
