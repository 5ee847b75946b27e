import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { users } from '../db/schema'
import { AppError } from '../errors'
import { uniqueName } from '../test/helpers'
import { authenticate, registerUser } from './accounts'

const CHEAP = { m: 64, t: 1, p: 1 }
const STRONGER = { m: 128, t: 2, p: 1 }

describe('authenticate', () => {
  it('replaces a hash weaker than the current parameters after a successful login', async () => {
    const db = getDb(env.DB)
    const name = uniqueName()
    const account = await registerUser(db, { username: name, email: `${name}@example.test`, password: 'long enough pw' }, CHEAP)
    await authenticate(db, account.email, 'long enough pw', STRONGER)
    const row = await db.select().from(users).where(eq(users.id, account.id)).get()
    expect(row!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=128,t=2,p=1\$/)
    await expect(authenticate(db, account.email, 'long enough pw', STRONGER)).resolves.toMatchObject({ id: account.id })
  })

  it('keeps the hash when the password is wrong', async () => {
    const db = getDb(env.DB)
    const name = uniqueName()
    const account = await registerUser(db, { username: name, email: `${name}@example.test`, password: 'long enough pw' }, CHEAP)
    const before = (await db.select().from(users).where(eq(users.id, account.id)).get())!.passwordHash
    await expect(authenticate(db, account.email, 'wrong', STRONGER)).rejects.toBeInstanceOf(AppError)
    const after = (await db.select().from(users).where(eq(users.id, account.id)).get())!.passwordHash
    expect(after).toBe(before)
  })
})
