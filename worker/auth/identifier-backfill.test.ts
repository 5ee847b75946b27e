import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { users } from '../db/schema'
import { createRouter } from '../http/router'
import { authenticate, registerUser, searchUsers, toTakenError } from './accounts'
import { backfillIdentifiers, identifierBackfill, type BackfillReport } from './identifier-backfill'
import { hashPassword } from './passwords'

const CHEAP = { m: 64, t: 1, p: 1 }
const PASSWORD = 'legacy password'

function digits(): string {
  return String(crypto.getRandomValues(new Uint32Array(1))[0]).padStart(10, '0')
}

/** A row written the way the code before migration 0001 wrote it: no canonical columns. */
async function insertLegacy(username: string, email: string, createdAtMs: number): Promise<number> {
  const row = await env.DB.prepare('INSERT INTO users (username, email, password_hash, created_at_ms) VALUES (?, ?, ?, ?) RETURNING id')
    .bind(username, email, hashPassword(PASSWORD, CHEAP), createdAtMs)
    .first<{ id: number }>()
  return row!.id
}

async function rowOf(id: number) {
  return (await getDb(env.DB).select().from(users).where(eq(users.id, id)).get())!
}

describe('backfillIdentifiers', () => {
  it('keeps the oldest account on each collision, renames or unlinks the others and reports them, resumably', async () => {
    const db = getDb(env.DB)
    const d = digits()
    // Inserted out of age order: age (created_at_ms), not id, decides who keeps a name.
    const confusableYounger = await insertLegacy(`\u0430dmin${d}`, `b${d}@x.test`, 4)
    const nfdYounger = await insertLegacy(`JOSE\u0301${d}`, `jose\u0301${d}@x.test`, 2)
    const adminOlder = await insertLegacy(`admin${d}`, `a${d}@x.test`, 3)
    const nfcOldest = await insertLegacy(`Jos\u00e9${d}`, `jos\u00e9${d}@x.test`, 1)
    const loner = await insertLegacy(`loner${d}`, `loner${d}@x.test`, 5)

    const report = await backfillIdentifiers(db, 1)

    expect(report.updated).toBe(5)
    expect(report.conflicts).toEqual([
      { userId: nfdYounger, kind: 'email', collidesWith: nfcOldest },
      { userId: nfdYounger, kind: 'username', collidesWith: nfcOldest, renamedTo: `JOS\u00c9${d}_${nfdYounger}` },
      { userId: confusableYounger, kind: 'username_confusable', collidesWith: adminOlder, renamedTo: `\u0430dmin${d}_${confusableYounger}` },
    ])
    expect(await rowOf(nfcOldest)).toMatchObject({ username: `Jos\u00e9${d}`, emailCanonical: `jos\u00e9${d}@x.test`, usernameCanonical: `jos\u00e9${d}` })
    expect(await rowOf(nfdYounger)).toMatchObject({ username: `JOS\u00c9${d}_${nfdYounger}`, email: `jose\u0301${d}@x.test`, emailCanonical: null })
    expect(await rowOf(adminOlder)).toMatchObject({ username: `admin${d}`, usernameCanonical: `admin${d}` })
    expect(await rowOf(loner)).toMatchObject({ username: `loner${d}`, emailCanonical: `loner${d}@x.test` })

    expect(await backfillIdentifiers(db)).toEqual<BackfillReport>({ updated: 0, conflicts: [] })
  })

  it('lets both accounts of an email collision sign in: the oldest by any form, the other by its exact email', async () => {
    const db = getDb(env.DB)
    const d = digits()
    const oldest = await insertLegacy(`mail${d}`, `jos\u00e9${d}@x.test`, 1)
    const younger = await insertLegacy(`other${d}`, `jose\u0301${d}@x.test`, 2)
    await backfillIdentifiers(db)
    await expect(authenticate(db, `JOS\u00c9${d}@X.TEST`, PASSWORD, CHEAP)).resolves.toMatchObject({ id: oldest })
    await expect(authenticate(db, `jose\u0301${d}@x.test`, PASSWORD, CHEAP)).resolves.toMatchObject({ id: younger })
    await expect(authenticate(db, `JOSE\u0301${d}@x.test`, PASSWORD, CHEAP)).resolves.toMatchObject({ id: younger })
  })

  it('lets a not yet backfilled account sign in with the email it registered with', async () => {
    const db = getDb(env.DB)
    const d = digits()
    const id = await insertLegacy(`pending${d}`, `pending${d}@x.test`, 1)
    await expect(authenticate(db, `Pending${d}@x.test`, PASSWORD, CHEAP)).resolves.toMatchObject({ id })
  })

  it('makes backfilled names taken and findable by folded search', async () => {
    const db = getDb(env.DB)
    const d = digits()
    const id = await insertLegacy(`Σοφία${d}`, `sofia${d}@x.test`, 1)
    await backfillIdentifiers(db)
    const page = await searchUsers(db, 0, { query: `ΣΟΦΊΑ${d}`, limit: 10, offset: 0 })
    expect(page.users.map((u) => u.userid)).toEqual([id])
    const attempt = (username: string) => registerUser(db, { username, email: `${crypto.randomUUID()}@x.test`, password: 'long enough pw' }, CHEAP)
    await expect(attempt(`ΣΟΦΙΑ${d}`.replace('Ι', 'Ί'))).rejects.toMatchObject({ code: 'username_taken' })
  })
})

describe('UNIQUE indexes on the canonical columns', () => {
  it.each([
    ['email_canonical', 'email_taken'],
    ['username_canonical', 'username_taken'],
    ['username_skeleton', 'username_confusable'],
  ])('refuse a duplicate %s written directly, past the code check (mapped to %s)', async (column, code) => {
    const d = digits()
    const insert = (n: number) =>
      env.DB.prepare(
        `INSERT INTO users (username, email, password_hash, created_at_ms, email_canonical, username_canonical, username_skeleton) VALUES (?, ?, 'x', 1, ?, ?, ?)`,
      )
        .bind(`direct${d}_${n}`, `direct${d}_${n}@x.test`, ...['email_canonical', 'username_canonical', 'username_skeleton'].map((c) => (c === column ? `same${d}` : `${c}${d}_${n}`)))
        .run()
    await insert(1)
    const err = await insert(2).then(
      () => null,
      (e: unknown) => e,
    )
    expect(String(err)).toContain('UNIQUE constraint failed')
    expect(toTakenError(err)?.code).toBe(code)
  })
})

describe('identifierBackfill middleware', () => {
  function appWith(run: Parameters<typeof identifierBackfill>[0]) {
    const app = createRouter()
    app.use(async (c, next) => {
      c.set('db', getDb(env.DB))
      await next()
    })
    app.use(identifierBackfill(run))
    app.get('/', (c) => c.text('ok'))
    return async () => {
      const ctx = createExecutionContext()
      const res = await app.fetch(new Request('http://chat.test/'), env, ctx)
      await waitOnExecutionContext(ctx)
      return res.status
    }
  }

  it('backfills in the background of the first request, and only once per isolate', async () => {
    const d = digits()
    const id = await insertLegacy(`first${d}`, `first${d}@x.test`, 1)
    let runs = 0
    const request = appWith((db) => {
      runs += 1
      return backfillIdentifiers(db)
    })
    expect(await request()).toBe(200)
    expect(await rowOf(id)).toMatchObject({ usernameCanonical: `first${d}` })
    expect(await request()).toBe(200)
    expect(runs).toBe(1)
  })

  it('runs again on a later request after a failed run, without failing the request', async () => {
    let runs = 0
    const request = appWith(async (db) => {
      runs += 1
      if (runs === 1) throw new Error('D1 unavailable')
      return backfillIdentifiers(db)
    })
    expect(await request()).toBe(200)
    expect(await request()).toBe(200)
    expect(await request()).toBe(200)
    expect(runs).toBe(2)
  })
})
