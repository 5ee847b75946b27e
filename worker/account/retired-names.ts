import { eq } from 'drizzle-orm'
import { DELETED_USER_NAME } from '../../protocol/http'
import { usernameSkeleton } from '../auth/identifiers'
import { sha256Hex } from '../crypto/hash'
import type { Db } from '../db/client'
import { retiredUsernames } from '../db/schema'

// A deleted account's username is retired for good (issue #14: "never reusable to impersonate"): its
// confusable skeleton (UTS #39 §4, as `usernameSkeleton` computes it for the live names' uniqueness)
// is kept as a SHA-256, so that name and every look-alike of it ("paypaI", "pаypal" with a Cyrillic
// а) are refused at sign-up as if a live account held them. The email is not retired: nobody else
// sees it, and its owner may come back with it.
//
// The hash is not keyed: a username was public to everyone who shared a chat with its owner or
// searched for it, so a dump that lets one test guesses against the hashes reveals little, and a key
// would have to be kept for ever (rotating it would forget every retired name, as the names are gone).
// It keeps the name out of the clear in storage and in backups, which is what the erasure promises.

/** The row key of `username`: SHA-256 hex of its `usernameSkeleton`. */
export function retiredKey(username: string): Promise<string> {
  return sha256Hex(usernameSkeleton(username))
}

/**
 * The statement that retires the name whose {@link retiredKey} is `key`, for the deletion's batch;
 * retiring it twice changes nothing. `nowMs` is epoch ms.
 */
export function retireUsernameStatement(db: Db, key: string, nowMs: number) {
  return db.insert(retiredUsernames).values({ skeletonHash: key, retiredAtMs: nowMs }).onConflictDoNothing()
}

const LABEL_SKELETON = usernameSkeleton(DELETED_USER_NAME.replace(/ /g, ''))

/**
 * Whether `username` would read as the DELETED_USER_NAME label: "Deleted user" itself has a space,
 * which no username may hold, so this catches the spellings a username can have ("Deleted_user",
 * "deleted.user", "DeletedUser", "dеleted-user" with a Cyrillic е): the separators `_ . -` removed,
 * the rest compared by confusable skeleton (UTS #39 §4).
 */
export function isLabelLookalike(username: string): boolean {
  return usernameSkeleton(username.replace(/[_.-]/g, '')) === LABEL_SKELETON
}

/** Whether `username`, or a name confusable with it, belonged to a deleted account. */
export async function isUsernameRetired(db: Db, username: string): Promise<boolean> {
  const row = await db.select({ one: retiredUsernames.retiredAtMs }).from(retiredUsernames).where(eq(retiredUsernames.skeletonHash, await retiredKey(username))).get()
  return row !== undefined
}
