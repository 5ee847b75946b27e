import { eq } from 'drizzle-orm'
import { bytesToHex } from '../crypto/encoding'
import { randomBytes } from '../crypto/random'
import type { Db } from '../db/client'
import { users } from '../db/schema'
import type { Env } from '../env'
import { errorFields, log } from '../log'
import { eraseGroup } from '../chats/delete'
import { findDeleted, leaveAllChats, listMemberships, ownedGroupIds } from '../chats/hand-over'
import { foldIdentifier, usernameSkeleton } from '../auth/identifiers'
import { revokeSessionsStatements } from '../auth/sessions'
import { requirePassword } from './password'

/** What a deletion left behind in the rooms, for {@link closeDeletedAccount}. */
export interface DeletedAccount {
  userId: number
  /** Chats the user was in that still exist: 1:1 chats, and groups handed to someone else. */
  leftChatIds: number[]
  /** Groups deleted because the user was their only member. */
  deletedGroupIds: number[]
}

/**
 * The identifiers a deleted account's row keeps: random, so they free the old email and username
 * (a person may register them again; see docs/security.md) and never collide with, or look like, a
 * name anyone chooses. The email is under `.invalid` (RFC 2606), which no address can be.
 */
function tombstone() {
  const tag = `deleted-${bytesToHex(randomBytes(16))}`
  const email = `${tag}@deleted.invalid`
  return { username: tag, email, usernameCanonical: foldIdentifier(tag), usernameSkeleton: usernameSkeleton(tag), emailCanonical: foldIdentifier(email) }
}

/**
 * DELETE /me/, the part in D1: once `password` checks out (`requirePassword`), one batch (one
 * transaction, so never half-written) revokes every session and refresh token, hands each group the
 * user owns to its oldest admin or else oldest member, deletes those left empty, ends every
 * membership, and turns the user's row into a tombstone: random email and username, no password hash
 * (nothing verifies against it), `deleted_at_ms` set, presence cleared. The row stays because
 * messages and chats name its id. `nowMs` is epoch ms.
 */
export async function deleteAccount(db: Db, userId: number, password: string, nowMs = Date.now()): Promise<DeletedAccount> {
  await requirePassword(db, userId, password)
  const memberships = await listMemberships(db, userId)
  const owned = ownedGroupIds(memberships)
  await db.batch([
    ...revokeSessionsStatements(db, userId, nowMs),
    ...leaveAllChats(db, userId, owned),
    db
      .update(users)
      .set({ ...tombstone(), passwordHash: '', deletedAtMs: nowMs, online: false, lastSeenAtMs: null })
      .where(eq(users.id, userId)),
  ])
  const deletedGroupIds = await findDeleted(db, owned)
  const leftChatIds = memberships.map((m) => m.chatId).filter((id) => !deletedGroupIds.includes(id))
  return { userId, leftChatIds, deletedGroupIds }
}

/** Tries a room or hub call this many times before logging it as failed. */
const CLEANUP_ATTEMPTS = 3

/**
 * DELETE /me/, the part in the Durable Objects, after D1 has committed: every room the user was in
 * forgets them (`forgetUser`: sockets closed with 4005, their stored name replaced by "Deleted
 * user"), each deleted group is erased (`eraseGroup`: data key, room, files), and their hub closes every live channel
 * with 4005. All calls are idempotent and run in parallel; one that keeps failing is logged
 * (`account_cleanup_failed`, ids only) and does not undo the deletion.
 */
export async function closeDeletedAccount(env: Env, db: Db, deleted: DeletedAccount): Promise<void> {
  const { userId } = deleted
  const calls = [
    ...deleted.leftChatIds.map((chatId) => ({ chatId, run: () => env.CHAT_ROOM.getByName(String(chatId)).forgetUser(userId) })),
    // Key first (crypto-shredding), then the room, then its files: the order of DELETE /chat/<id>/.
    ...deleted.deletedGroupIds.map((chatId) => ({ chatId, run: () => eraseGroup(env, db, chatId) })),
    { chatId: null, run: () => env.USER_HUB.getByName(String(userId)).closeChannels() },
  ]
  await Promise.all(
    calls.map(async ({ chatId, run }) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await run()
          return
        } catch (err) {
          if (attempt < CLEANUP_ATTEMPTS) continue
          log.error('account_cleanup_failed', { user_id: userId, chat_id: chatId, ...errorFields(err) })
          return
        }
      }
    }),
  )
}
