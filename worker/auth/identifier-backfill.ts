import { and, asc, eq, isNull, ne, or } from 'drizzle-orm'
import type { MiddlewareHandler } from 'hono'
import type { Db } from '../db/client'
import { users } from '../db/schema'
import type { AppEnv } from '../env'
import { toTakenError } from './accounts'
import { canonicalEmail, canonicalUsername, usernameSkeleton } from './identifiers'
import { errorFields, log } from '../log'

// Migration 0001 added the canonical columns empty; SQL cannot compute NFKC, case folding or
// skeletons, so this fills them for rows registered before it. It is idempotent and resumable: a
// row is pending while username_canonical is NULL, and each row is committed on its own.

/** One old account that could not keep an identifier because an older account holds its canonical form. */
export interface IdentifierConflict {
  userId: number
  /** email: same canonical email; username: same canonical name; username_confusable: same skeleton. */
  kind: 'email' | 'username' | 'username_confusable'
  collidesWith: number
  /** For username conflicts: the name the account now has. */
  renamedTo?: string
}

export interface BackfillReport {
  updated: number
  conflicts: IdentifierConflict[]
}

/** Accounts other than `selfId` holding any of these forms. */
async function findHolders(db: Db, selfId: number, ids: { emailCanonical: string | null; usernameCanonical: string; usernameSkeleton: string }) {
  return db
    .select({ id: users.id, emailCanonical: users.emailCanonical, usernameCanonical: users.usernameCanonical, usernameSkeleton: users.usernameSkeleton })
    .from(users)
    .where(
      and(
        ne(users.id, selfId),
        or(
          ids.emailCanonical === null ? undefined : eq(users.emailCanonical, ids.emailCanonical),
          eq(users.usernameCanonical, ids.usernameCanonical),
          eq(users.usernameSkeleton, ids.usernameSkeleton),
        ),
      ),
    )
    .all()
}

/**
 * Fills the canonical columns of every pending row, oldest first, so the oldest account keeps its
 * identifiers. A younger account whose canonical email is held keeps its email with
 * email_canonical NULL (it still signs in with that exact email); one whose name is held, or looks
 * like a held one, is renamed "<name>_<id>". Each such account is in the report. Stored usernames
 * and emails are not rewritten otherwise.
 */
export async function backfillIdentifiers(db: Db, batchSize = 100): Promise<BackfillReport> {
  const report: BackfillReport = { updated: 0, conflicts: [] }
  for (;;) {
    const pending = await db
      .select({ id: users.id, username: users.username, email: users.email })
      .from(users)
      .where(isNull(users.usernameCanonical))
      .orderBy(asc(users.createdAtMs), asc(users.id))
      .limit(batchSize)
      .all()
    if (pending.length === 0) return report
    for (const row of pending) {
      const conflicts = await backfillRow(db, row)
      if (conflicts) {
        report.updated += 1
        report.conflicts.push(...conflicts)
      }
    }
  }
}

const MAX_ATTEMPTS = 6

/** Writes one row's forms; returns its conflicts, or null when another run filled it first. */
async function backfillRow(db: Db, row: { id: number; username: string; email: string }): Promise<IdentifierConflict[] | null> {
  let username = row.username
  let emailConflict: IdentifierConflict | undefined
  let nameConflict: IdentifierConflict | undefined
  let renames = 0
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const ids = {
      emailCanonical: emailConflict ? null : canonicalEmail(row.email),
      usernameCanonical: canonicalUsername(username),
      usernameSkeleton: usernameSkeleton(username),
    }
    const holders = await findHolders(db, row.id, ids)
    const emailHolder = holders.find((h) => ids.emailCanonical !== null && h.emailCanonical === ids.emailCanonical)
    const nameHolder = holders.find((h) => h.usernameCanonical === ids.usernameCanonical) ?? holders.find((h) => h.usernameSkeleton === ids.usernameSkeleton)
    if (emailHolder) {
      emailConflict = { userId: row.id, kind: 'email', collidesWith: emailHolder.id }
      continue
    }
    if (nameHolder) {
      username = renamed(row, ++renames)
      nameConflict ??= { userId: row.id, kind: nameHolder.usernameCanonical === ids.usernameCanonical ? 'username' : 'username_confusable', collidesWith: nameHolder.id }
      nameConflict.renamedTo = username
      continue
    }
    try {
      const done = await db
        .update(users)
        .set({ username, ...ids })
        .where(and(eq(users.id, row.id), isNull(users.usernameCanonical)))
        .returning({ id: users.id })
        .all()
      if (done.length === 0) return null
      return [emailConflict, nameConflict].filter((c): c is IdentifierConflict => c !== undefined)
    } catch (err) {
      // Taken between the check and the write (a sign-up, another isolate, or the old lower(username)
      // index of a still-pending row): check again, under a new name if this one was a rename.
      if (!toTakenError(err)) throw err
      if (nameConflict) username = renamed(row, ++renames)
    }
  }
  throw new Error(`identifier backfill: user ${row.id} still collides after ${MAX_ATTEMPTS} attempts`)
}

function renamed(row: { id: number; username: string }, count: number): string {
  return `${row.username.normalize('NFC')}_${row.id}${count > 1 ? `_${count}` : ''}`
}

/** Logs a report by user id and kind only: names and emails stay out of the logs. */
export function logBackfillReport(report: BackfillReport): void {
  if (report.updated === 0) return
  log.info('identifier_backfill', { updated: report.updated, conflicts: report.conflicts.length })
  for (const c of report.conflicts) {
    const handled = c.kind === 'email' ? 'email_canonical left NULL; signs in with its exact email' : 'renamed'
    log.warn('identifier_conflict', { user_id: c.userId, kind: c.kind, collides_with: c.collidesWith, handled })
  }
}

/**
 * Runs the backfill once per isolate, in the background of the first request after a deploy, so no
 * operator step can be forgotten. A failed run is retried on a later request. One query when nothing is pending.
 */
export function identifierBackfill(run: (db: Db) => Promise<BackfillReport> = backfillIdentifiers): MiddlewareHandler<AppEnv> {
  let state: 'idle' | 'running' | 'done' = 'idle'
  return async function identifierBackfill(c, next) {
    // Hono's getter throws when the app is called without an ExecutionContext (app.fetch in a unit test).
    const ctx = (() => {
      try {
        return c.executionCtx
      } catch {
        return null
      }
    })()
    if (state === 'idle' && ctx) {
      state = 'running'
      const task = run(c.var.db).then(
        (report) => {
          logBackfillReport(report)
          state = 'done'
        },
        (err: unknown) => {
          log.error('identifier_backfill_failed', { ...errorFields(err), retry: 'on a later request' })
          state = 'idle'
        },
      )
      ctx.waitUntil(task)
    }
    await next()
  }
}
