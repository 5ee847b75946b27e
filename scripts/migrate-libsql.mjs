#!/usr/bin/env node
// `npm run db:migrate:libsql`: applies migrations/ (the same drizzle-kit SQL wrangler applies to D1)
// to the libSQL database at LIBSQL_URL, authenticated with LIBSQL_AUTH_TOKEN, both read from the
// environment. drizzle's migrator records what it applied in `__drizzle_migrations` (wrangler uses
// `d1_migrations` on D1), so running it again applies only what is new. Also accepts `file:` URLs,
// which is how the tests build their libSQL databases.
//
//   LIBSQL_URL=libsql://<db>.turso.io LIBSQL_AUTH_TOKEN=... npm run db:migrate:libsql
import { createClient } from '@libsql/client'
import { drizzle } from 'drizzle-orm/libsql'
import { migrate } from 'drizzle-orm/libsql/migrator'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '..', 'migrations')

/** Applies every pending migration; resolves with how many are recorded as applied afterwards. */
export async function migrateLibsql({ url, authToken }) {
  const client = createClient({ url, authToken })
  try {
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR })
    const { rows } = await client.execute('SELECT count(*) AS applied FROM __drizzle_migrations')
    return Number(rows[0].applied)
  } finally {
    client.close()
  }
}

function isLocalUrl(url) {
  if (!URL.canParse(url)) return false
  const { protocol, hostname } = new URL(url)
  return protocol === 'file:' || ['localhost', '127.0.0.1', '[::1]'].includes(hostname)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const url = process.env.LIBSQL_URL?.trim()
  if (!url) {
    console.error('db:migrate:libsql: set LIBSQL_URL (and LIBSQL_AUTH_TOKEN for a remote database); see docs/configuration.md')
    process.exit(1)
  }
  const authToken = process.env.LIBSQL_AUTH_TOKEN?.trim() || undefined
  // The worker's rule (worker/db/libsql-settings.ts): a token for anything but a file or a loopback
  // host, so a missing one is named here rather than surfacing as the database's bare 401.
  if (!authToken && !isLocalUrl(url)) {
    console.error('db:migrate:libsql: set LIBSQL_AUTH_TOKEN for a LIBSQL_URL that is not a file or localhost')
    process.exit(1)
  }
  try {
    const applied = await migrateLibsql({ url, authToken })
    // The URL names the database; the token is never printed.
    console.log(`db:migrate:libsql: ${new URL(url).host || url} is up to date (${applied} migration(s) applied in all)`)
  } catch (err) {
    // drizzle's wrapper quotes the SQL; the driver's own error says what went wrong.
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err
    console.error(`db:migrate:libsql: ${cause instanceof Error ? cause.message : 'failed'}`)
    process.exit(1)
  }
}
