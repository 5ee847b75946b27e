import { createClient, type ResultSet } from '@libsql/client/web'
import { drizzle as drizzleD1 } from 'drizzle-orm/d1'
import type { LibSQLDatabase } from 'drizzle-orm/libsql'
import { drizzle as drizzleLibsql } from 'drizzle-orm/libsql/web'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import { isMetering, meterD1 } from '../metering/meter'
import type { LibsqlSettings } from './libsql-settings'
import * as schema from './schema'

/**
 * The relational store as the data layer sees it: drizzle over D1 or over libSQL, same schema, same
 * migrations. Both drivers are async SQLite with `batch` (one transaction); the only difference the
 * code meets is the result of a write, read through {@link changedRows}.
 */
export type Db = BaseSQLiteDatabase<'async', D1Result | ResultSet, typeof schema> & Pick<LibSQLDatabase<typeof schema>, 'batch'>

/** What a write resolves to on either driver (`.run()`, or a non-returning statement in `batch`). */
export type WriteResult = D1Result | ResultSet

/** The number of rows a write inserted, updated or deleted: D1's `meta.changes`, libSQL's `rowsAffected`. */
export function changedRows(result: WriteResult): number {
  return 'rowsAffected' in result ? result.rowsAffected : result.meta.changes
}

export function d1Db(binding: D1Database): Db {
  return drizzleD1(binding, { schema })
}

/** drizzle over `@libsql/client/web`: fetch-based (Hrana over HTTP), so it runs in workerd. */
export function libsqlDb({ url, authToken }: LibsqlSettings): Db {
  return drizzleLibsql(createClient({ url, authToken }), { schema })
}

// drizzle() walks the whole schema to build its relational config on every call (about 3 % of a
// socket upgrade's CPU, profiled). A D1 client holds only the binding, no I/O of its own, so one per
// binding object serves every request of the isolate.
const d1Clients = new WeakMap<D1Database, Db>()

/**
 * The request's database: libSQL when `libsql` (Config, from LIBSQL_URL) is set, else the D1 binding.
 * The libSQL client is built per request: a few objects, no connection until the first query (each
 * query or batch is one fetch), and nothing doing I/O is shared across requests, which Workers forbid.
 * It is imported statically: a lazy `import()` would not leave it out of the single-file bundle, and
 * measured bigger, with no measurable saving at startup (docs/architecture.md, "D1 or libSQL").
 */
export function getDb(libsql: LibsqlSettings | null, env: { DB: D1Database; BENCH_METER?: string }): Db {
  if (libsql) return libsqlDb(libsql)
  // The bench's cost model counts D1 rows (worker/metering/); a no-op check otherwise.
  if (isMetering(env)) meterD1(env.DB)
  let db = d1Clients.get(env.DB)
  if (!db) {
    db = d1Db(env.DB)
    d1Clients.set(env.DB, db)
  }
  return db
}
