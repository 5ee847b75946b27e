import { loadConfig } from '../config'
import type { Env } from '../env'
import { getDb, type Db } from './client'

/**
 * The relational database for code outside a request (Durable Objects: the room's notifier, the
 * user hub's presence): the same choice the worker makes per request, libSQL when `LIBSQL_URL` is
 * set, else the D1 binding. Rejects with ConfigError when the config is invalid.
 */
export async function dbForEnv(env: Env): Promise<Db> {
  return getDb((await loadConfig(env)).libsql, env)
}
