// The room's own SQLite (ctx.storage.sql): messages and read cursors of one chat. Every call is
// synchronous, so a sequence of them with no await in between is atomic inside the object.

/** One stored message; the text exists only as AES-GCM ciphertext. */
export interface StoredMessage {
  seq: number
  id: string
  senderId: number
  sender: string
  clientId: string | null
  keyVersion: number
  iv: ArrayBuffer
  ciphertext: ArrayBuffer
  createdAtMs: number
}

type MessageRow = {
  seq: number
  id: string
  sender_id: number
  sender: string
  client_id: string | null
  key_version: number
  iv: ArrayBuffer
  ciphertext: ArrayBuffer
  created_at_ms: number
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    sender_id INTEGER NOT NULL,
    sender TEXT NOT NULL,
    client_id TEXT,
    key_version INTEGER NOT NULL,
    iv BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL
  )`,
  // A resend with a client_id already stored must not store a second copy, even if a check is skipped.
  `CREATE UNIQUE INDEX IF NOT EXISTS messages_sender_client ON messages (sender_id, client_id) WHERE client_id IS NOT NULL`,
  `CREATE TABLE IF NOT EXISTS read_cursors (user_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS room_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
]

const COLUMNS = 'seq, id, sender_id, sender, client_id, key_version, iv, ciphertext, created_at_ms'

export function migrateRoom(sql: SqlStorage): void {
  for (const statement of SCHEMA) sql.exec(statement)
}

/**
 * Pins the room to its chat id on first use. Ciphertexts are bound to the chat id, so a room
 * reached under another id would be a routing bug: refuse it loudly rather than mix chats.
 */
export function bindChatId(sql: SqlStorage, chatId: number): void {
  sql.exec(`INSERT OR IGNORE INTO room_meta (key, value) VALUES ('chat_id', ?)`, chatId)
  const stored = sql.exec<{ value: number }>(`SELECT value FROM room_meta WHERE key = 'chat_id'`).one().value
  if (stored !== chatId) throw new Error(`room of chat ${stored} was asked to serve chat ${chatId}`)
}

export function lastSeq(sql: SqlStorage): number {
  return sql.exec<{ seq: number | null }>('SELECT max(seq) AS seq FROM messages').one().seq ?? 0
}

function toStored(row: MessageRow): StoredMessage {
  return {
    seq: row.seq,
    id: row.id,
    senderId: row.sender_id,
    sender: row.sender,
    clientId: row.client_id,
    keyVersion: row.key_version,
    iv: row.iv,
    ciphertext: row.ciphertext,
    createdAtMs: row.created_at_ms,
  }
}

/**
 * Inserts one message; false when (sender, client_id) is already stored, i.e. a resend. The conflict
 * target names the unique index, so a seq collision (a bug) still throws instead of being skipped.
 * This replaces a lookup before every insert: resends are rare, the lookup was ~8% of the room's CPU.
 */
export function insertMessage(sql: SqlStorage, m: StoredMessage): boolean {
  const cursor = sql.exec(
    `INSERT INTO messages (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
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
  )
  return cursor.rowsWritten > 0
}

export function findByClientId(sql: SqlStorage, senderId: number, clientId: string): StoredMessage | null {
  const rows = sql
    .exec<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE sender_id = ? AND client_id = ?`, senderId, clientId)
    .toArray()
  return rows[0] ? toStored(rows[0]) : null
}

/** Messages with seq > since, oldest first. */
export function listAfter(sql: SqlStorage, since: number, limit: number): StoredMessage[] {
  return sql
    .exec<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`, since, limit)
    .toArray()
    .map(toStored)
}

/** The newest `limit` messages with seq < before, returned oldest first. */
export function listBefore(sql: SqlStorage, before: number, limit: number): StoredMessage[] {
  return sql
    .exec<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?`, before, limit)
    .toArray()
    .map(toStored)
    .reverse()
}

export function readCursor(sql: SqlStorage, userId: number): number {
  const rows = sql.exec<{ seq: number }>('SELECT seq FROM read_cursors WHERE user_id = ?', userId).toArray()
  return rows[0]?.seq ?? 0
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

export function countUnread(sql: SqlStorage, userId: number): number {
  const cursor = readCursor(sql, userId)
  return sql.exec<{ n: number }>('SELECT count(*) AS n FROM messages WHERE seq > ? AND sender_id != ?', cursor, userId).one().n
}
