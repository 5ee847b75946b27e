import { and, asc, eq, isNull, ne, or, sql } from 'drizzle-orm'
import type { MeBody, UserBody, UserSummaryBody } from '../../protocol/http'
import type { Db } from '../db/client'
import { users } from '../db/schema'
import { AppError } from '../errors'
import { canonicalEmail, canonicalUsername, foldIdentifier, hasInvisibleCharacters, usernameSkeleton } from './identifiers'
import { dummyHash, hashPassword, needsRehash, verifyPassword, type Argon2Params } from './passwords'
import { isHighlyRestrictive } from './scripts'
import { isLabelLookalike, isUsernameRetired } from '../account/retired-names'

/** A sign-up after RegisterRequestSchema: username and email trimmed and in NFC (UAX #15), as typed otherwise. */
export interface Registration {
  username: string
  email: string
  password: string
}

export interface Account {
  id: number
  username: string
  email: string
}

/**
 * The username rules the shared schema cannot carry, because their Unicode data must stay out of the
 * web bundle: no invisible characters inside the name (Default_Ignorable_Code_Point, e.g. U+3164
 * HANGUL FILLER, which is a letter to `\p{L}`), and one writing system (UTS #39 §5.2 "Highly
 * Restrictive"). Throws 400 `invalid_request` or 400 `username_mixed_script`.
 */
export function assertUsernameAllowed(username: string): void {
  if (hasInvisibleCharacters(username)) {
    throw new AppError('invalid_request', '"Username" may contain letters, digits, "_", "." and "-" only.', 'Username')
  }
  if (!isHighlyRestrictive(username)) {
    throw new AppError('username_mixed_script', '"Username" mixes writing systems (for example Latin and Cyrillic letters).', 'Username')
  }
}

const EMAIL_TAKEN = 'An account with this email already exists.'
const USERNAME_TAKEN = 'This username is taken.'
const USERNAME_CONFUSABLE = 'This username looks like one that is taken.'

// Only the driver's error (D1 or libSQL) is read: drizzle's wrapper quotes the SQL, which names every column.
function isUniqueViolation(err: unknown, index: string): boolean {
  const driverError = err instanceof Error && err.cause instanceof Error ? err.cause : err
  const text = driverError instanceof Error ? driverError.message : ''
  return text.includes('UNIQUE constraint failed') && text.includes(index)
}

/**
 * Creates an account. Refuses with 409 `email_taken` when the canonical email is taken, 409
 * `username_taken` when the canonical username is, and 409 `username_confusable` when the name's
 * UTS #39 skeleton matches another account's. The UNIQUE indexes on those columns decide races.
 * A deleted account's name, or one confusable with it, and a name reading as the "Deleted user"
 * label are refused as taken too (409 `username_taken`; `account/retired-names.ts`).
 */
export async function registerUser(db: Db, input: Registration, params: Argon2Params, nowMs = Date.now()): Promise<Account> {
  assertUsernameAllowed(input.username)
  const ids = { emailCanonical: canonicalEmail(input.email), usernameCanonical: canonicalUsername(input.username), usernameSkeleton: usernameSkeleton(input.username) }
  const taken = await findTaken(db, ids)
  if (taken) throw taken
  if (isLabelLookalike(input.username) || (await isUsernameRetired(db, input.username))) throw new AppError('username_taken', USERNAME_TAKEN)
  try {
    return await db
      .insert(users)
      .values({ username: input.username, email: input.email, ...ids, passwordHash: hashPassword(input.password, params), createdAtMs: nowMs })
      .returning({ id: users.id, username: users.username, email: users.email })
      .get()
  } catch (err) {
    // A racing sign-up won. SQLite reports whichever UNIQUE index it checked first (the skeleton's may
    // fire before the name's), so ask again to give the same answer the check above would have.
    const raced = toTakenError(err)
    if (!raced) throw err
    throw (await findTaken(db, ids)) ?? raced
  }
}

type CanonicalIds = { emailCanonical: string; usernameCanonical: string; usernameSkeleton: string }

/** The 409 for identifiers another account already holds, most specific first; null when all are free. */
async function findTaken(db: Db, ids: CanonicalIds): Promise<AppError | null> {
  const taken = await db
    .select({ emailCanonical: users.emailCanonical, usernameCanonical: users.usernameCanonical })
    .from(users)
    .where(or(eq(users.emailCanonical, ids.emailCanonical), eq(users.usernameCanonical, ids.usernameCanonical), eq(users.usernameSkeleton, ids.usernameSkeleton)))
    .all()
  if (taken.some((u) => u.emailCanonical === ids.emailCanonical)) return new AppError('email_taken', EMAIL_TAKEN)
  if (taken.some((u) => u.usernameCanonical === ids.usernameCanonical)) return new AppError('username_taken', USERNAME_TAKEN)
  if (taken.length > 0) return new AppError('username_confusable', USERNAME_CONFUSABLE)
  return null
}

/** Maps a UNIQUE violation on users to its 409; null for any other error. */
export function toTakenError(err: unknown): AppError | null {
  if (isUniqueViolation(err, 'email')) return new AppError('email_taken', EMAIL_TAKEN)
  if (isUniqueViolation(err, 'username_skeleton')) return new AppError('username_confusable', USERNAME_CONFUSABLE)
  if (isUniqueViolation(err, 'username')) return new AppError('username_taken', USERNAME_TAKEN)
  return null
}

/**
 * Checks credentials. `email` is as typed (trimmed) and found by its canonical form; an account
 * whose email collided in the identifier backfill (email_canonical NULL) is found by the exact email
 * it registered with, lower-cased as the old rule stored it. An unknown email is verified against a
 * dummy hash so both failures cost one argon2id and answer the same 401. A hash weaker than today's
 * parameters is replaced on success.
 */
export async function authenticate(db: Db, email: string, password: string, params: Argon2Params): Promise<Account> {
  const candidates = await db
    .select()
    .from(users)
    .where(or(eq(users.emailCanonical, canonicalEmail(email)), and(isNull(users.emailCanonical), eq(users.email, email.toLowerCase()))))
    .limit(2)
    .all()
  const user = candidates.find((u) => u.emailCanonical === null) ?? candidates[0]
  const ok = verifyPassword(password, user?.passwordHash ?? dummyHash(params))
  if (!user || !ok) throw new AppError('invalid_credentials', 'The email or password is incorrect.')
  if (needsRehash(user.passwordHash, params)) {
    await db.update(users).set({ passwordHash: hashPassword(password, params) }).where(eq(users.id, user.id))
  }
  return { id: user.id, username: user.username, email: user.email }
}

export async function getAccount(db: Db, userId: number): Promise<Account> {
  const user = await db
    .select({ id: users.id, username: users.username, email: users.email })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAtMs)))
    .get()
  if (!user) throw new AppError('invalid_token', 'The account behind this token no longer exists.')
  return user
}

/** GET /me/ and PATCH /me/: the account and its settings. */
export async function getMe(db: Db, userId: number): Promise<MeBody> {
  const user = await db
    .select({ id: users.id, username: users.username, email: users.email, readReceipts: users.readReceipts })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAtMs)))
    .get()
  if (!user) throw new AppError('invalid_token', 'The account behind this token no longer exists.')
  return { ...toUserBody(user), read_receipts: user.readReceipts }
}

export function toUserBody(account: Account): UserBody {
  return { userid: account.id, username: account.username, email: account.email }
}

export interface UserSearch {
  query: string
  limit: number
  offset: number
}

/**
 * Other people, by username; never emails or hashes, never deleted accounts. `query` matches anywhere
 * in the name after both are folded the same way (`foldIdentifier`: every script's case, compatibility
 * forms); every character in it is literal. `instr`, not LIKE: D1 refuses a LIKE pattern over 50 bytes
 * (SQLITE_LIMIT_LIKE_PATTERN_LENGTH, "LIKE or GLOB pattern too complex"), and a query may be 64
 * characters.
 */
export async function searchUsers(db: Db, selfId: number, search: UserSearch): Promise<{ users: UserSummaryBody[]; nextOffset: number | null }> {
  const folded = foldIdentifier(search.query)
  const rows = await db
    .select({ userid: users.id, username: users.username })
    .from(users)
    .where(and(ne(users.id, selfId), isNull(users.deletedAtMs), search.query ? sql`instr(${users.usernameCanonical}, ${folded}) > 0` : undefined))
    .orderBy(asc(users.usernameCanonical), asc(users.id))
    .limit(search.limit + 1)
    .offset(search.offset)
    .all()
  const hasMore = rows.length > search.limit
  return { users: rows.slice(0, search.limit), nextOffset: hasMore ? search.offset + search.limit : null }
}
