import type { Config } from '../config'
import type { Db } from '../db/client'
import { dbForEnv } from '../db/for-env'
import type { Env } from '../env'
import { errorFields, log } from '../log'
import { deleteRecords, listOfChat, listOfMessages, listUnclaimedBefore, type AttachmentRecord } from './records'

// Deleting attachments: rows first, then objects. A crash in between leaves an object no row points
// to (encrypted, unreachable, logged); the other order could leave a row whose download fails.

/** Rows per batch; R2's `delete` takes up to 1,000 keys at once. */
const BATCH = 100
/** Batches per cron run: a backlog drains over several runs instead of outliving one invocation. */
const MAX_BATCHES = 20

async function deleteObjects(env: Env, rows: readonly AttachmentRecord[], what: string): Promise<void> {
  if (rows.length === 0) return
  try {
    await env.FILES.delete(rows.map((row) => row.r2Key))
  } catch (err) {
    log.error('attachment_objects_not_deleted', { what, count: rows.length, ...errorFields(err) })
  }
}

/**
 * The cron's work (`[triggers] crons`): deletes attachments no message claimed within
 * `config.attachmentClaimSeconds` of their upload, rows and objects. A row claimed between the listing
 * and the delete is kept (the delete re-checks `message_id IS NULL`). Returns how many it deleted.
 */
export async function collectUnclaimed(env: Env, db: Db, config: Config, nowMs: number): Promise<number> {
  const beforeMs = nowMs - config.attachmentClaimSeconds * 1000
  let deleted = 0
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const rows = await listUnclaimedBefore(db, beforeMs, BATCH)
    const gone = new Set(await deleteRecords(db, rows.map((row) => row.id), true))
    await deleteObjects(env, rows.filter((row) => gone.has(row.id)), 'unclaimed')
    deleted += gone.size
    if (rows.length < BATCH) break
  }
  if (deleted > 0) log.info('attachments_collected', { count: deleted })
  return deleted
}

/**
 * Deletes the attachments carried by the messages `messageIds` (message ids, not seqs) of chat
 * `chatId`: for the room when it deletes messages. Returns how many it deleted.
 */
export async function deleteAttachmentsOf(env: Env, chatId: number, messageIds: readonly string[]): Promise<number> {
  if (messageIds.length === 0) return 0
  const db = await dbForEnv(env)
  const rows = await listOfMessages(db, chatId, messageIds)
  await deleteRecords(db, rows.map((row) => row.id))
  await deleteObjects(env, rows, 'messages')
  return rows.length
}

/** Deletes every attachment of chat `chatId`, claimed or not: for the group's deletion. Returns how many. */
export async function deleteChatAttachments(env: Env, chatId: number): Promise<number> {
  const db = await dbForEnv(env)
  const rows = await listOfChat(db, chatId)
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH)
    await deleteRecords(db, batch.map((row) => row.id))
    await deleteObjects(env, batch, 'chat')
  }
  return rows.length
}
