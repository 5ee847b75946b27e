import { sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { errorFields, log, type LogFields } from '../log'

/** GET /health when the database answers. */
export interface HealthyBody {
  ok: true
  /** The running build: see versionOf. */
  version: string
  database: 'ok'
}

/**
 * The build's version from the `[version_metadata]` binding: the deploy's tag (`npm run deploy` tags
 * each deploy with the git commit) or, untagged, the platform's version id. `wrangler dev` and the
 * tests get a random id per start. "unknown" only if the binding is missing from wrangler.toml.
 */
export function versionOf(metadata: WorkerVersionMetadata | undefined): string {
  return metadata?.tag || metadata?.id || 'unknown'
}

/**
 * Runs the cheapest query there is, so a failure means the database (or its binding) is down, not
 * that our schema is wrong. Resolves true when it answered; on an error logs why (never to the
 * caller: a driver message can name hosts and paths) and resolves false.
 */
export async function isDatabaseUp(db: Db, fields: LogFields): Promise<boolean> {
  try {
    await db.get(sql`SELECT 1`)
    return true
  } catch (err) {
    log.error('health_database_down', { ...fields, ...errorFields(err) })
    return false
  }
}
