import { sql } from 'drizzle-orm'
import { customType, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// The room's own SQLite (ctx.storage.sql): one chat's message log and read cursors. Migrations are
// generated from this file into ./migrations (`npm run db:generate:room`) and run by the room.

// ctx.storage.sql returns BLOBs as ArrayBuffer and accepts them back; drizzle's own blob modes go
// through Node's Buffer, which workerd does not have without nodejs_compat.
const bytes = customType<{ data: ArrayBuffer; driverData: ArrayBuffer }>({ dataType: () => 'blob' })

/** One stored message per seq; the text exists only as AES-GCM ciphertext (`iv`, `ciphertext`). */
export const messages = sqliteTable(
  'messages',
  {
    // INTEGER PRIMARY KEY: the seq is the rowid, so max(seq) and ranges by seq read the table's own b-tree.
    seq: integer('seq').primaryKey(),
    id: text('id').notNull(),
    senderId: integer('sender_id').notNull(),
    sender: text('sender').notNull(),
    clientId: text('client_id'),
    keyVersion: integer('key_version').notNull(),
    iv: bytes('iv').notNull(),
    ciphertext: bytes('ciphertext').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
  },
  // A resend with a client_id already stored must not store a second copy, even if a check is skipped.
  (t) => [uniqueIndex('messages_sender_client').on(t.senderId, t.clientId).where(sql`client_id IS NOT NULL`)],
)

/** How far each member has read; only moves forward. */
export const readCursors = sqliteTable('read_cursors', {
  userId: integer('user_id').primaryKey(),
  seq: integer('seq').notNull(),
})

/** Room-wide facts, one row each. Today only `chat_id` (see `room.ts`). */
export const roomMeta = sqliteTable('room_meta', {
  key: text('key').primaryKey(),
  value: integer('value').notNull(),
})

export type StoredMessage = typeof messages.$inferSelect

/**
 * Users whose membership ended (`removeMember`), until a new membership starts (`admit`). The worker
 * checks membership in D1 before it reaches the room, and a removal can land between that check and
 * the accept; the room refuses anyone listed here, so the order in the room decides.
 */
export const removedMembers = sqliteTable('removed_members', {
  userId: integer('user_id').primaryKey(),
})

/**
 * The chat's current members: the room is the authority the socket upgrade asks (issue #16), so an
 * upgrade costs no D1 query. Filled once from D1 (`roster.ts`, marked by `room_meta.members_synced`),
 * then kept by `admit` and `removeMember`, which the chat routes call before every D1 change.
 */
export const members = sqliteTable('members', {
  userId: integer('user_id').primaryKey(),
})
