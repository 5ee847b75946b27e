import { and, asc, count, desc, eq, gt, inArray, isNotNull, isNull, lt, ne, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import migrations from './migrations/migrations.js'
import { members, messages, readCursors, removedMembers, roomMeta, type StoredMessage } from './schema'

// Queries on the room's SQLite. Every call is synchronous, so a sequence of them with no await in
// between is atomic inside the object. Three statements stay raw `sql.exec` because they run per
// message or per frame: building them with drizzle cost about 29 µs (insert) and 10 µs (max) of CPU
// each, measured in Node, against about 0 for a fixed SQL string that SQLite's statement cache reuses.

export type LogDb = ReturnType<typeof openLog>

/** The drizzle client over this object's storage. */
export function openLog(storage: DurableObjectStorage) {
  return drizzle(storage)
}

/** Applies the migrations in ./migrations not yet recorded in this storage. Run inside blockConcurrencyWhile. */
export function migrateLog(db: LogDb): Promise<void> {
  return migrate(db, migrations)
}

/** The chat id this storage serves, recorded on first use (null before that). */
export function findChatId(db: LogDb): number | null {
  return db.select({ value: roomMeta.value }).from(roomMeta).where(eq(roomMeta.key, 'chat_id')).get()?.value ?? null
}

export function recordChatId(db: LogDb, chatId: number): void {
  db.insert(roomMeta).values({ key: 'chat_id', value: chatId }).onConflictDoNothing().run()
}

/** A `room_meta` value (an integer), or null when the key is not set. */
export function findMeta(db: LogDb, key: string): number | null {
  return db.select({ value: roomMeta.value }).from(roomMeta).where(eq(roomMeta.key, key)).get()?.value ?? null
}

/** Sets a `room_meta` value, replacing the one before. */
export function recordMeta(db: LogDb, key: string, value: number): void {
  db.insert(roomMeta).values({ key, value }).onConflictDoUpdate({ target: roomMeta.key, set: { value } }).run()
}

/** The highest entry seq of the log (message and change entries), 0 when the log is empty. */
export function lastSeq(sql: SqlStorage): number {
  return sql.exec<{ seq: number | null }>('SELECT max(coalesce((SELECT max(seq) FROM messages), 0), coalesce((SELECT max(seq) FROM changes), 0)) AS seq').one().seq ?? 0
}

/**
 * Inserts one message; false when (sender, client_id) is already stored, i.e. a resend. The conflict
 * target names the unique index, so a seq collision (a bug) still throws instead of being skipped.
 * This replaces a lookup before every insert: resends are rare, the lookup was ~8% of the room's CPU.
 */
export function insertMessage(sql: SqlStorage, m: StoredMessage): boolean {
  const cursor = sql.exec(
    `INSERT INTO messages (seq, id, sender_id, sender, client_id, key_version, iv, ciphertext, created_at_ms, kind, reply_to)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (sender_id, client_id) WHERE client_id IS NOT NULL DO NOTHING`,
    m.seq,
    m.id,
    m.senderId,
    m.sender,
    m.clientId,
    m.keyVersion,
    m.iv,
    m.ciphertext,
    m.createdAtMs,
    m.kind,
    m.replyTo,
  )
  return cursor.rowsWritten > 0
}

/** Cursors only move forward: a late `read` frame from an old tab cannot bring messages back to unread. */
export function advanceReadCursor(sql: SqlStorage, userId: number, seq: number): void {
  sql.exec(
    `INSERT INTO read_cursors (user_id, seq) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET seq = max(seq, excluded.seq)`,
    userId,
    seq,
  )
}

/**
 * A membership starts: the user becomes a member, their cursor is set to `seq` (not raised to it: a
 * re-join after leaving must not keep an older, lower cursor) and any removal mark is cleared, in
 * one transaction.
 */
export function startMembership(db: LogDb, userId: number, seq: number): void {
  db.transaction((tx) => {
    tx.insert(members).values({ userId }).onConflictDoNothing().run()
    tx.insert(readCursors).values({ userId, seq }).onConflictDoUpdate({ target: readCursors.userId, set: { seq } }).run()
    tx.delete(removedMembers).where(eq(removedMembers.userId, userId)).run()
  })
}

/** Marks a user's membership as ended and drops them from the members; `acceptSocket` and the group commit refuse them until `startMembership`. */
export function recordRemoval(db: LogDb, userId: number): void {
  db.transaction((tx) => {
    tx.insert(removedMembers).values({ userId }).onConflictDoNothing().run()
    tx.delete(members).where(eq(members.userId, userId)).run()
  })
}

/** The members, or null before the one-time copy from D1 (`object/members.ts`) has run. */
export function listMembers(db: LogDb): number[] | null {
  const synced = db.select({ value: roomMeta.value }).from(roomMeta).where(eq(roomMeta.key, 'members_synced')).get()
  if (!synced) return null
  return db.select({ userId: members.userId }).from(members).all().map((r) => r.userId)
}

/** The one-time copy from D1: adds `userIds` to the members (keeping any added since) and marks the copy done. */
export function recordMembersSynced(db: LogDb, userIds: number[]): void {
  db.transaction((tx) => {
    for (const userId of userIds) tx.insert(members).values({ userId }).onConflictDoNothing().run()
    tx.insert(roomMeta).values({ key: 'members_synced', value: 1 }).onConflictDoNothing().run()
  })
}

/** Every user whose membership ended and has not started again. */
export function listRemoved(db: LogDb): number[] {
  return db.select({ userId: removedMembers.userId }).from(removedMembers).all().map((r) => r.userId)
}

/** Replaces the name stored beside every message of `senderId` (the account was deleted). */
export function anonymizeSender(sql: SqlStorage, senderId: number, name: string): void {
  sql.exec('UPDATE messages SET sender = ? WHERE sender_id = ? AND sender != ?', name, senderId, name)
}

/**
 * Up to `limit` messages of `senderId` with seq > after, oldest first (GET /me/export/). Only their
 * own messages (`kind` "message"): a system message names its actor as sender but is no text of theirs.
 */
export function listOwnAfter(db: LogDb, senderId: number, after: number, limit: number): StoredMessage[] {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.senderId, senderId), gt(messages.seq, after), eq(messages.kind, 'message')))
    .orderBy(asc(messages.seq))
    .limit(limit)
    .all()
}

export function findByClientId(db: LogDb, senderId: number, clientId: string): StoredMessage | null {
  return db.select().from(messages).where(and(eq(messages.senderId, senderId), eq(messages.clientId, clientId))).get() ?? null
}

/** The message or system message stored at `seq` (deleted ones too); null when `seq` is no message entry. */
export function findMessage(db: LogDb, seq: number): StoredMessage | null {
  return db.select().from(messages).where(eq(messages.seq, seq)).get() ?? null
}

/** The message entries at these seqs, in seq order; seqs that are no message entry are left out. */
export function findMessages(db: LogDb, seqs: number[]): StoredMessage[] {
  if (seqs.length === 0) return []
  // One bound parameter (a JSON array) whatever the count: SQLite caps the number of parameters.
  return db.select().from(messages).where(sql`${messages.seq} IN (SELECT value FROM json_each(${JSON.stringify(seqs)}))`).orderBy(asc(messages.seq)).all()
}

/** The newest member's message that is not deleted (the chat list's preview); system messages are not previews. */
export function findNewestMessage(db: LogDb): StoredMessage | null {
  return db.select().from(messages).where(and(eq(messages.kind, 'message'), isNull(messages.deletedAtMs))).orderBy(desc(messages.seq)).limit(1).get() ?? null
}

/** One entry of the log: a message entry (`targetSeq` null) or a change entry of message `targetSeq`. */
export interface LogEntry {
  seq: number
  targetSeq: number | null
}

/** Up to `limit` entries of the log with seq > since, in seq order: message and change entries merged. */
export function listEntriesAfter(sql: SqlStorage, since: number, limit: number): LogEntry[] {
  return sql
    .exec<{ seq: number; target_seq: number | null }>(
      `SELECT seq, NULL AS target_seq FROM messages WHERE seq > ?1
       UNION ALL SELECT seq, target_seq FROM changes WHERE seq > ?1
       ORDER BY seq LIMIT ?2`,
      since,
      limit,
    )
    .toArray()
    .map((r) => ({ seq: r.seq, targetSeq: r.target_seq }))
}

/** The newest `limit` messages and system messages with seq < before, returned oldest first. */
export function listBefore(db: LogDb, before: number, limit: number): StoredMessage[] {
  return db.select().from(messages).where(lt(messages.seq, before)).orderBy(desc(messages.seq)).limit(limit).all().reverse()
}

/**
 * How many messages from others `userId` has not read; with no cursor yet, every one of them. Only
 * message entries of kind "message" count: not system messages, not changes, not deleted messages
 * (a delete takes one away, and the list row is sent again).
 */
export function countUnread(db: LogDb, userId: number): number {
  const cursor = db.select({ seq: readCursors.seq }).from(readCursors).where(eq(readCursors.userId, userId)).get()?.seq ?? 0
  const row = db
    .select({ n: count() })
    .from(messages)
    .where(and(gt(messages.seq, cursor), ne(messages.senderId, userId), eq(messages.kind, 'message'), isNull(messages.deletedAtMs)))
    .get()
  return row?.n ?? 0
}

/** Every system message that still holds its event (ciphertext), oldest first. */
export function listSystemMessages(db: LogDb): StoredMessage[] {
  return db.select().from(messages).where(and(eq(messages.kind, 'system'), isNotNull(messages.ciphertext))).orderBy(asc(messages.seq)).all()
}

/**
 * Up to `limit` messages with seq > `afterSeq` sealed directly under one of the master `versions`
 * (not the data key), oldest first; deleted ones (no ciphertext) are skipped.
 */
export function listSealedUnder(db: LogDb, versions: number[], limit: number, afterSeq = 0): StoredMessage[] {
  return db
    .select()
    .from(messages)
    .where(and(gt(messages.seq, afterSeq), inArray(messages.keyVersion, versions), isNotNull(messages.ciphertext)))
    .orderBy(asc(messages.seq))
    .limit(limit)
    .all()
}

/** How many messages still hold a ciphertext not sealed under the chat's data key (key_version 0). */
export function countSealedUnderMaster(sql: SqlStorage): number {
  return sql.exec<{ n: number }>('SELECT count(*) AS n FROM messages WHERE key_version <> 0 AND ciphertext IS NOT NULL').one().n
}

/**
 * Replaces a row's sealing (key version, IV, ciphertext) if the row still holds the IV it was read
 * with: a row changed in between is left alone. False when nothing was replaced.
 */
export function replaceSealing(sql: SqlStorage, m: StoredMessage, previousIv: ArrayBuffer): boolean {
  const cursor = sql.exec('UPDATE messages SET key_version = ?, iv = ?, ciphertext = ? WHERE seq = ? AND iv = ?', m.keyVersion, m.iv, m.ciphertext, m.seq, previousIv)
  return cursor.rowsWritten > 0
}
