import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// Times are integer milliseconds since the epoch; the API renders them as ISO strings.

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    username: text('username').notNull(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
    // The comparison forms (worker/auth/identifiers.ts). Nullable only for rows older than them until
    // the identifier backfill fills them; a NULL email_canonical afterwards marks an old account whose
    // email collided with an older one (it signs in by its exact email; see docs/security.md).
    emailCanonical: text('email_canonical'),
    usernameCanonical: text('username_canonical'),
    usernameSkeleton: text('username_skeleton'),
    /** PATCH /me/ `read_receipts`: others see how far this user read, and this user sees theirs. */
    readReceipts: integer('read_receipts', { mode: 'boolean' }).notNull().default(true),
    /**
     * Presence, written by the user's hub (worker/live/) when it flips: at least one live channel open.
     * A hint for lists and presence fan-out; the hub is the authority (see docs/architecture.md).
     */
    online: integer('online', { mode: 'boolean' }).notNull().default(false),
    /** When the user's last live channel closed; null before their first one. */
    lastSeenAtMs: integer('last_seen_at_ms'),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    // Superseded by users_username_canonical_unique; kept so that rows not yet backfilled keep their ASCII-case guard.
    uniqueIndex('users_username_unique').on(sql`lower(${t.username})`),
    // The database, not only the code, refuses a second "José"/"JOSÉ"/"jose\u0301" or an "аdmin" (Cyrillic а) look-alike.
    uniqueIndex('users_email_canonical_unique').on(t.emailCanonical),
    uniqueIndex('users_username_canonical_unique').on(t.usernameCanonical),
    uniqueIndex('users_username_skeleton_unique').on(t.usernameSkeleton),
  ],
)

/** One login: a refresh-token family. Revoking it ends every token issued from that login. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    createdAtMs: integer('created_at_ms').notNull(),
    lastUsedAtMs: integer('last_used_at_ms').notNull(),
    expiresAtMs: integer('expires_at_ms').notNull(),
    userAgent: text('user_agent'),
    revokedAtMs: integer('revoked_at_ms'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
)

/** Only the SHA-256 of a refresh token's secret is stored; the token itself lives in the user's cookie. */
export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    secretHash: text('secret_hash').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
    expiresAtMs: integer('expires_at_ms').notNull(),
    /** Set when the family is revoked, or when a grace exchange retires this unused successor (auth/refresh-tokens.ts). */
    revokedAtMs: integer('revoked_at_ms'),
    replacedBy: text('replaced_by'),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
)

export const chats = sqliteTable(
  'chats',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    isGroup: integer('is_group', { mode: 'boolean' }).notNull(),
    name: text('name'),
    /** 'public' | 'private' for groups, null for 1:1 chats. */
    visibility: text('visibility', { enum: ['public', 'private'] }),
    createdBy: integer('created_by')
      .notNull()
      .references(() => users.id),
    createdAtMs: integer('created_at_ms').notNull(),
    /** "<lower user id>:<higher user id>" for 1:1 chats; the unique index makes the pair's chat unique under races. */
    directKey: text('direct_key'),
    /**
     * Set when the group was deleted (DELETE /chat/<id>/): the row stays as a tombstone, name cleared and
     * memberships gone, so every lookup answers 404 and a retried DELETE can finish the room's erasure.
     */
    deletedAtMs: integer('deleted_at_ms'),
  },
  (t) => [
    uniqueIndex('chats_direct_key_unique').on(t.directKey),
    index('chats_visibility_idx').on(t.visibility),
  ],
)

export const chatMembers = sqliteTable(
  'chat_members',
  {
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    role: text('role', { enum: ['owner', 'admin', 'member'] }).notNull(),
    joinedAtMs: integer('joined_at_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.chatId, t.userId] }), index('chat_members_user_idx').on(t.userId)],
)

/**
 * One uploaded file (worker/attachments/). The bytes live in the R2 bucket `FILES` under `r2_key`,
 * encrypted in chunks; `name` is encrypted too (base64url of IV and ciphertext). `message_id` is null
 * until a message claims the file; unclaimed rows older than ATTACHMENT_CLAIM_SECONDS are deleted with
 * their object by the cron. No foreign keys: a group's deletion removes these rows itself, in any order.
 */
export const attachments = sqliteTable(
  'attachments',
  {
    id: text('id').primaryKey(),
    chatId: integer('chat_id').notNull(),
    uploaderId: integer('uploader_id').notNull(),
    name: text('name').notNull(),
    /** Plaintext bytes. */
    size: integer('size').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width'),
    height: integer('height'),
    r2Key: text('r2_key').notNull(),
    /** Which data key encrypted the chunks and the name (also in the object's custom metadata). */
    keyVersion: text('key_version').notNull(),
    createdAtMs: integer('created_at_ms').notNull(),
    /** The message carrying the file (its id), set once by the room's claim; null = unclaimed. */
    messageId: text('message_id'),
    /** Its place among the message's attachments (0-based), set with `message_id`. */
    position: integer('position'),
  },
  (t) => [
    index('attachments_chat_message_idx').on(t.chatId, t.messageId),
    index('attachments_unclaimed_idx').on(t.createdAtMs).where(sql`message_id IS NULL`),
  ],
)

/**
 * Invite links to a group (POST /chat/<id>/invites/). Only the SHA-256 of a code is stored, so a dump of
 * the table gives no working link; a code is looked up by that hash. `id` is a short non-secret handle
 * for listing and revoking.
 */
export const invites = sqliteTable(
  'invites',
  {
    id: text('id').primaryKey(),
    chatId: integer('chat_id')
      .notNull()
      .references(() => chats.id),
    codeHash: text('code_hash').notNull(),
    createdBy: integer('created_by')
      .notNull()
      .references(() => users.id),
    createdAtMs: integer('created_at_ms').notNull(),
    expiresAtMs: integer('expires_at_ms').notNull(),
    /** Null: no limit. */
    maxUses: integer('max_uses'),
    uses: integer('uses').notNull().default(0),
    revokedAtMs: integer('revoked_at_ms'),
  },
  (t) => [uniqueIndex('invites_code_hash_unique').on(t.codeHash), index('invites_chat_idx').on(t.chatId)],
)
