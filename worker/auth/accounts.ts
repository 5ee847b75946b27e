import { and, asc, eq, ne, sql } from 'drizzle-orm'
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
  type UserBody,
  type UserSummaryBody,
} from '../../protocol/http'
import type { Db } from '../db/client'
import { users } from '../db/schema'
import type { Body } from '../http/body'
import { AppError } from '../http/errors'
import { requireString } from '../http/validate'
import { dummyHash, hashPassword, needsRehash, verifyPassword, type Argon2Params } from './passwords'

const EMAIL_MAX_LENGTH = 254
const USERNAME_PATTERN = /^[\p{L}\p{N}_.-]+$/u

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

export function readEmail(body: Body): string {
  const email = requireString(body, 'Email', { max: EMAIL_MAX_LENGTH }).toLowerCase()
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new AppError('invalid_request', '"Email" is not an email address.')
  return email
}

/** NIST 800-63B: length limits only, no composition rules, never trimmed. */
export function readPassword(body: Body, min = PASSWORD_MIN_LENGTH): string {
  return requireString(body, 'Password', { min, max: PASSWORD_MAX_LENGTH, trim: false })
}

export function readRegistration(body: Body): Registration {
  const username = requireString(body, 'Username', { min: USERNAME_MIN_LENGTH, max: USERNAME_MAX_LENGTH })
  if (!USERNAME_PATTERN.test(username)) {
    throw new AppError('invalid_request', '"Username" may contain letters, digits, "_", "." and "-" only.')
  }
  return { username, email: readEmail(body), password: readPassword(body) }
}

// Only the driver's error (D1 or libSQL) is read: drizzle's wrapper quotes the SQL, which names every column.
function isUniqueViolation(err: unknown, index: string): boolean {
  const driverError = err instanceof Error && err.cause instanceof Error ? err.cause : err
  const text = driverError instanceof Error ? driverError.message : ''
  return text.includes('UNIQUE constraint failed') && text.includes(index)
}

export async function registerUser(db: Db, input: Registration, params: Argon2Params, nowMs = Date.now()): Promise<Account> {
  const taken = await db
    .select({ email: users.email, username: users.username })
    .from(users)
    .where(sql`${users.email} = ${input.email} OR lower(${users.username}) = lower(${input.username})`)
    .all()
  if (taken.some((u) => u.email === input.email)) throw new AppError('email_taken', 'An account with this email already exists.')
  if (taken.length > 0) throw new AppError('username_taken', 'This username is taken.')
  try {
    const row = await db
      .insert(users)
      .values({ username: input.username, email: input.email, passwordHash: hashPassword(input.password, params), createdAtMs: nowMs })
      .returning({ id: users.id, username: users.username, email: users.email })
      .get()
    return row
  } catch (err) {
    // Two sign-ups racing past the check above: the unique indexes decide.
    if (isUniqueViolation(err, 'email')) throw new AppError('email_taken', 'An account with this email already exists.')
    if (isUniqueViolation(err, 'username')) throw new AppError('username_taken', 'This username is taken.')
    throw err
  }
}

/**
 * Checks credentials. An unknown email is verified against a dummy hash so both failures cost one
 * argon2id and answer the same 401. A hash weaker than today's parameters is replaced on success.
 */
export async function authenticate(db: Db, email: string, password: string, params: Argon2Params): Promise<Account> {
  const user = await db.select().from(users).where(eq(users.email, email)).get()
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
    .where(eq(users.id, userId))
    .get()
  if (!user) throw new AppError('invalid_token', 'The account behind this token no longer exists.')
  return user
}

export function toUserBody(account: Account): UserBody {
  return { userid: account.id, username: account.username, email: account.email }
}

export interface UserSearch {
  query: string
  limit: number
  offset: number
}

/** Other people, by username; never emails or hashes. `query` matches anywhere in the name, case-insensitively. */
export async function searchUsers(db: Db, selfId: number, search: UserSearch): Promise<{ users: UserSummaryBody[]; nextOffset: number | null }> {
  const pattern = `%${search.query.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`
  const rows = await db
    .select({ userid: users.id, username: users.username })
    .from(users)
    .where(and(ne(users.id, selfId), search.query ? sql`${users.username} LIKE ${pattern} ESCAPE '\\'` : undefined))
    .orderBy(asc(sql`lower(${users.username})`), asc(users.id))
    .limit(search.limit + 1)
    .offset(search.offset)
    .all()
  const hasMore = rows.length > search.limit
  return { users: rows.slice(0, search.limit), nextOffset: hasMore ? search.offset + search.limit : null }
}
