import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { authenticate, getAccount, registerUser } from '../../auth/accounts'
import { users } from '../../db/schema'
import { CHEAP_HASH, codeOf, newUser, uniqueName, type OpenDb } from './fixtures'

const STRONGER_HASH = { m: 128, t: 2, p: 1 }

export function accountsSuite(openDb: OpenDb) {
  describe('registerUser', () => {
    it('stores the account, found by email at login and by id', async () => {
      const db = openDb()
      const username = uniqueName('Ana')
      const email = `${username.toLowerCase()}@example.test`
      const account = await registerUser(db, { username, email, password: 'long enough pw' }, CHEAP_HASH)
      expect(account).toEqual({ id: expect.any(Number), username, email })
      await expect(authenticate(db, email, 'long enough pw', CHEAP_HASH)).resolves.toEqual(account)
      await expect(getAccount(db, account.id)).resolves.toEqual(account)
    })

    // A second registration against an existing `taken` account.
    const DUPLICATES: [string, (taken: { username: string; email: string }) => { username: string; email: string }, string][] = [
      ['the same email', (t) => ({ username: uniqueName(), email: t.email }), 'email_taken'],
      ['the same username', (t) => ({ username: t.username, email: `${uniqueName()}@example.test` }), 'username_taken'],
      ['the username in other case', (t) => ({ username: t.username.toUpperCase(), email: `${uniqueName()}@example.test` }), 'username_taken'],
      ['both', (t) => ({ username: t.username, email: t.email }), 'email_taken'],
    ]

    it.each(DUPLICATES)('refuses %s', async (_, second, code) => {
      const db = openDb()
      const taken = await newUser(db)
      expect(await codeOf(registerUser(db, { ...second(taken), password: 'long enough pw' }, CHEAP_HASH))).toBe(code)
    })

    // With both taken, whichever index SQLite checks first answers; each code is then right.
    const RACES = DUPLICATES.filter(([label]) => label !== 'both')

    it.each(RACES)('lets the unique indexes decide racing sign-ups with %s', async (_, second, code) => {
      const db = openDb()
      const first = { username: uniqueName(), email: `${uniqueName()}@example.test` }
      const results = await Promise.allSettled([
        registerUser(db, { ...first, password: 'long enough pw' }, CHEAP_HASH),
        registerUser(db, { ...second(first), password: 'long enough pw' }, CHEAP_HASH),
      ])
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      const refused = results.find((r) => r.status === 'rejected')
      expect(refused?.reason).toMatchObject({ code })
    })
  })

  describe('authenticate', () => {
    const WRONG: [string, (u: { email: string; password: string }) => [string, string]][] = [
      ['a wrong password', (u) => [u.email, `${u.password}x`]],
      ['an unknown email', (u) => [`x${u.email}`, u.password]],
      ['the password in other case', (u) => [u.email, u.password.toUpperCase()]],
    ]

    it.each(WRONG)('answers invalid_credentials for %s', async (_, attempt) => {
      const db = openDb()
      const user = await newUser(db)
      expect(await codeOf(authenticate(db, ...attempt(user), CHEAP_HASH))).toBe('invalid_credentials')
    })

    it('replaces a hash weaker than the current parameters after a successful login', async () => {
      const db = openDb()
      const user = await newUser(db)
      await authenticate(db, user.email, user.password, STRONGER_HASH)
      const row = await db.select().from(users).where(eq(users.id, user.id)).get()
      expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=128,t=2,p=1\$/)
      await expect(authenticate(db, user.email, user.password, STRONGER_HASH)).resolves.toMatchObject({ id: user.id })
    })

    it('keeps the hash when the password is wrong', async () => {
      const db = openDb()
      const user = await newUser(db)
      const before = (await db.select().from(users).where(eq(users.id, user.id)).get())!.passwordHash
      expect(await codeOf(authenticate(db, user.email, 'wrong', STRONGER_HASH))).toBe('invalid_credentials')
      const after = (await db.select().from(users).where(eq(users.id, user.id)).get())!.passwordHash
      expect(after).toBe(before)
    })
  })

  describe('getAccount', () => {
    it('answers invalid_token for an account that does not exist', async () => {
      expect(await codeOf(getAccount(openDb(), 2 ** 31 - 1))).toBe('invalid_token')
    })
  })
}
