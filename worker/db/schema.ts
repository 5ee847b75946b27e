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
    /**
     * Set by DELETE /me/ (worker/account/delete.ts): the row is a tombstone kept for the ids that name
     * it (messages' sender_id, chats.created_by). Its email and username are random placeholders, its
     * password hash empty, and the API shows it as "Deleted user".
     */
    deletedAtMs: integer('deleted_at_ms'),
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

/**
 * Usernames of deleted accounts (DELETE /me/), never to be registered again nor imitated: the SHA-256
 * (hex) of the name's confusable skeleton (UTS #39, `usernameSkeleton`), not the name, so the erased
 * name is not kept in the clear (worker/account/retired-names.ts).
 */
export const retiredUsernames = sqliteTable('retired_usernames', {
  skeletonHash: text('skeleton_hash').primaryKey(),
  retiredAtMs: integer('retired_at_ms').notNull(),
})

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
 * Each chat's data key (worker/crypto/chat-keys.ts), only ever stored wrapped: AES-256-GCM under the
 * `MESSAGE_KEYS` version `key_version`, AAD naming the chat. Kept here, not in the room's storage, so
 * a copy of a room's storage holds ciphertext and no key. A destroyed key (the chat was deleted:
 * crypto-shredding) keeps its row with `wrapped_key` NULL, so nothing creates a new key for the chat.
 * No foreign key to `chats`: this tombstone outlives the chat's row.
 */
export const chatKeys = sqliteTable(
  'chat_keys',
  {
    chatId: integer('chat_id').primaryKey(),
    keyVersion: integer('key_version').notNull(),
    /** base64 of the 12-byte IV followed by the 32-byte key's ciphertext and GCM tag; NULL once destroyed. */
    wrappedKey: text('wrapped_key'),
    createdAtMs: integer('created_at_ms').notNull(),
    destroyedAtMs: integer('destroyed_at_ms'),
  },
  // The rewrap walk looks for keys under an older master version.
  (t) => [index('chat_keys_version_idx').on(t.keyVersion)],
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
