import { and, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db/client'
import { users } from '../db/schema'
import type { AuthUser } from '../env'
import { AppError } from '../errors'
import { revokeSessionsStatements } from '../auth/sessions'
import { hashPassword, verifyPassword, type Argon2Params } from '../auth/passwords'

/**
 * Checks the password of the signed-in account `userId` as sign-in does (argon2id, constant-time
 * compare): 401 `invalid_credentials` when it is wrong, 401 `invalid_token` when the account behind
 * the token was deleted meanwhile. Resolves with the stored hash it matched.
 */
export async function requirePassword(db: Db, userId: number, password: string): Promise<string> {
  const row = await db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAtMs)))
    .get()
  if (!row) throw new AppError('invalid_token', 'The account behind this token no longer exists.')
  if (!verifyPassword(password, row.passwordHash)) throw new AppError('invalid_credentials', 'The password is incorrect.')
  return row.passwordHash
}

/**
 * POST /me/password/: after `oldPassword` checks out, stores the hash of `newPassword` (already held
 * to the sign-up rules by its schema) and revokes every other session of the user with their refresh
 * tokens, in one batch. The caller's own session (`user.sessionId`, from the access token) stays
 * valid: they just proved the password, and its refresh token rotates on every use anyway. Resolves
 * with the ids of the sessions revoked, whose access tokens and sockets the caller ends
 * (`revokeSockets`; REST refuses them from now on). `nowMs` is epoch ms.
 */
export async function changePassword(
  db: Db,
  user: AuthUser,
  oldPassword: string,
  newPassword: string,
  params: Argon2Params,
  nowMs = Date.now(),
): Promise<string[]> {
  await requirePassword(db, user.id, oldPassword)
  const [, revoked] = await db.batch([
    db.update(users).set({ passwordHash: hashPassword(newPassword, params) }).where(eq(users.id, user.id)),
    ...revokeSessionsStatements(db, user.id, nowMs, user.sessionId),
  ])
  return revoked.map((s) => s.id)
}
