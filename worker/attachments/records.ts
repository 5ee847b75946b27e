import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { attachments, chats } from '../db/schema'

// The `attachments` table: one row per uploaded file, written after its object is stored in R2.

export type AttachmentRecord = typeof attachments.$inferSelect

export async function insertAttachment(db: Db, record: AttachmentRecord): Promise<void> {
  await db.insert(attachments).values(record).run()
}

/** The attachment `id` of chat `chatId`; null when there is none (or it belongs to another chat). */
export async function findAttachment(db: Db, chatId: number, id: string): Promise<AttachmentRecord | null> {
  return (await db.select().from(attachments).where(and(eq(attachments.id, id), eq(attachments.chatId, chatId))).get()) ?? null
}

/**
 * Claims `ids` for message `messageId` in one statement, so all or none: every id must exist in chat
 * `chatId`, be uploaded by `uploaderId` and be unclaimed. The count in the WHERE is an uncorrelated
 * subquery, evaluated once before any row changes; two messages racing for one file cannot both
 * see it unclaimed because SQLite runs one write statement at a time. Returns the claimed rows in
 * the order of `ids`, or null when any id fails (nothing is claimed then).
 */
export async function claimAttachments(db: Db, claim: { chatId: number; uploaderId: number; ids: readonly string[]; messageId: string }): Promise<AttachmentRecord[] | null> {
  const { chatId, uploaderId, ids, messageId } = claim
  const claimable = and(inArray(attachments.id, [...ids]), eq(attachments.chatId, chatId), eq(attachments.uploaderId, uploaderId), isNull(attachments.messageId))
  // The order of `ids` is the order the message shows them in.
  const position = sql`CASE ${attachments.id} ${sql.join(ids.map((id, i) => sql`WHEN ${id} THEN ${i}`), sql` `)} END`
  const rows = await db
    .update(attachments)
    .set({ messageId, position })
    .where(and(claimable, sql`(SELECT count(*) FROM ${attachments} WHERE ${claimable}) = ${ids.length}`))
    .returning()
  if (rows.length !== ids.length) return null
  const byId = new Map(rows.map((row) => [row.id, row]))
  return ids.map((id) => byId.get(id)!)
}

/** Undoes a claim whose message was not stored, so the files can be sent again (or expire). */
export async function releaseClaim(db: Db, chatId: number, messageId: string): Promise<void> {
  await db.update(attachments).set({ messageId: null, position: null }).where(and(eq(attachments.chatId, chatId), eq(attachments.messageId, messageId))).run()
}

/** The attachments the messages `messageIds` of chat `chatId` carry, each message's in their order. */
export async function listOfMessages(db: Db, chatId: number, messageIds: readonly string[]): Promise<AttachmentRecord[]> {
  if (messageIds.length === 0) return []
  return db
    .select()
    .from(attachments)
    .where(and(eq(attachments.chatId, chatId), inArray(attachments.messageId, [...messageIds])))
    .orderBy(asc(attachments.messageId), asc(attachments.position))
    .all()
}

/** Every attachment of chat `chatId`, claimed or not. */
export async function listOfChat(db: Db, chatId: number): Promise<AttachmentRecord[]> {
  return db.select().from(attachments).where(eq(attachments.chatId, chatId)).all()
}

/** Up to `limit` unclaimed attachments uploaded before `beforeMs`, oldest first. */
export async function listUnclaimedBefore(db: Db, beforeMs: number, limit: number): Promise<AttachmentRecord[]> {
  return db
    .select()
    .from(attachments)
    .where(and(isNull(attachments.messageId), lt(attachments.createdAtMs, beforeMs)))
    .orderBy(asc(attachments.createdAtMs))
    .limit(limit)
    .all()
}

/** Deletes rows by id; `onlyUnclaimed` keeps any a message claimed meanwhile (the cron's race with a send). */
export async function deleteRecords(db: Db, ids: readonly string[], onlyUnclaimed = false): Promise<string[]> {
  if (ids.length === 0) return []
  const where = onlyUnclaimed ? and(inArray(attachments.id, [...ids]), isNull(attachments.messageId)) : inArray(attachments.id, [...ids])
  const rows = await db.delete(attachments).where(where).returning({ id: attachments.id })
  return rows.map((row) => row.id)
}

/** True when chat `chatId` was deleted (its D1 row is a tombstone) or is gone. */
export async function isChatDeleted(db: Db, chatId: number): Promise<boolean> {
  const row = await db.select({ deletedAtMs: chats.deletedAtMs }).from(chats).where(eq(chats.id, chatId)).get()
  return !row || row.deletedAtMs !== null
}
