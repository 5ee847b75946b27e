import { and, asc, eq, ne, sql } from 'drizzle-orm'
import type { UserBody, UserSummaryBody } from '../../protocol/http'
import type { Db } from '../db/client'
import { users } from '../db/schema'
import { AppError } from '../errors'
import { dummyHash, hashPassword, needsRehash, verifyPassword, type Argon2Params } from './passwords'

/** A sign-up after RegisterRequestSchema: username trimmed, email trimmed and lowercased. */
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

function isUniqueViolation(err: unknown, index: string): boolean {
  const text = err instanceof Error ? `${err.message} ${String(err.cause ?? '')}` : ''
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
