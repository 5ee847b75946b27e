import { sql } from 'drizzle-orm'
import { customType, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { MESSAGE_KINDS } from '../../../../protocol/http'

// The room's own SQLite (ctx.storage.sql): one chat's log (message and change entries), reactions and read cursors. Migrations are
// generated from this file into ./migrations (`npm run db:generate:room`) and run by the room.

// ctx.storage.sql returns BLOBs as ArrayBuffer and accepts them back; drizzle's own blob modes go
// through Node's Buffer, which workerd does not have without nodejs_compat.
/** What a change entry did to its target message. */
export const CHANGE_KINDS = ['edit', 'delete', 'react'] as const

const bytes = customType<{ data: ArrayBuffer; driverData: ArrayBuffer }>({ dataType: () => 'blob' })

/**
 * The log's message entries, one per seq: a member's message (`kind` "message") or a system message
 * ("system", its event as JSON). The text or event exists only as AES-GCM ciphertext (`iv`,
 * `ciphertext`), sealed for (chat, seq, edit_count) (seal.ts). A row holds the message's current
 * state: an edit replaces the ciphertext and counts up `edit_count`; a deletion erases `iv`,
 * `ciphertext` and `reply_to` (set to NULL) and sets `deleted_at_ms`.
 */
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
    iv: bytes('iv'),
    ciphertext: bytes('ciphertext'),
    createdAtMs: integer('created_at_ms').notNull(),
    kind: text('kind', { enum: MESSAGE_KINDS }).notNull().default('message'),
    /** The message seq this one answers; a message row, never a change. */
    replyTo: integer('reply_to'),
    editCount: integer('edit_count').notNull().default(0),
    editedAtMs: integer('edited_at_ms'),
    deletedAtMs: integer('deleted_at_ms'),
  },
  // A resend with a client_id already stored must not store a second copy, even if a check is skipped.
  (t) => [uniqueIndex('messages_sender_client').on(t.senderId, t.clientId).where(sql`client_id IS NOT NULL`)],
)

/**
 * The log's change entries: an edit, a deletion, or a reaction added or taken back, each at its own
 * seq from the same counter as `messages` (no seq is in both). Replay sends each as a
 * `message_updated` frame with its target's current state.
 */
export const changes = sqliteTable('changes', {
  seq: integer('seq').primaryKey(),
  targetSeq: integer('target_seq').notNull(),
  kind: text('kind', { enum: CHANGE_KINDS }).notNull(),
  actorId: integer('actor_id').notNull(),
  createdAtMs: integer('created_at_ms').notNull(),
})

/** Current reactions: one row per (message, emoji, member); `seq` is the change entry that added it. */
export const reactions = sqliteTable(
  'reactions',
  {
    messageSeq: integer('message_seq').notNull(),
    emoji: text('emoji').notNull(),
    userId: integer('user_id').notNull(),
    seq: integer('seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.messageSeq, t.emoji, t.userId] })],
)

/** How far each member has read; only moves forward. */
export const readCursors = sqliteTable('read_cursors', {
  userId: integer('user_id').primaryKey(),
  seq: integer('seq').notNull(),
})

/**
 * Room-wide facts, one row each: `chat_id` (`room.ts`), `members_synced` (`members.ts`),
 * `destroyed_at_ms` (`destroy.ts`), and the automatic reseal's `reseal_after_seq` and `reseal_done_at_ms` (`log/reseal.ts`).
 */
export const roomMeta = sqliteTable('room_meta', {
  key: text('key').primaryKey(),
  value: integer('value').notNull(),
})

export type StoredMessage = typeof messages.$inferSelect
export type StoredChange = typeof changes.$inferSelect
export type ChangeKind = (typeof CHANGE_KINDS)[number]

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
