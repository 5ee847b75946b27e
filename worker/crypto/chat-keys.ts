import { and, asc, eq, gt, inArray, isNotNull, ne, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { chatKeys } from '../db/schema'
import { AppError } from '../errors'
import { importDataKey, newDataKeyBytes, unwrapDataKeyBytes, wrapDataKey, type WrappedKey } from './data-keys'
import type { Keyring } from './keys'

// Each chat's data key in D1 (`chat_keys`): created on first use, re-wrapped on rotation, destroyed
// with the chat. The pure crypto is in data-keys.ts; this file is its storage. (It sits in crypto/
// by request of the callers that import it, the room and attachments, though it reads the database.)

/** A chat's data key, unwrapped: AES-256-GCM, not extractable. `wrappedBy`: the master version in D1. */
export interface ChatDataKey {
  key: CryptoKey
  wrappedBy: number
}

function findWrapped(db: Db, chatId: number) {
  return db
    .select({ keyVersion: chatKeys.keyVersion, wrappedKey: chatKeys.wrappedKey })
    .from(chatKeys)
    .where(eq(chatKeys.chatId, chatId))
    .get()
}

/**
 * The chat's data key, created on first use. Lazily, not with the chat: chats from before per-chat
 * keys need this path anyway, so new and old chats take the same one, and creating a chat stays one
 * D1 batch with no crypto. Two concurrent first uses each wrap a fresh key, but only one insert
 * lands (`ON CONFLICT DO NOTHING`) and both return the row that did, so a chat never has two keys.
 * The insert happens only while the chat exists in `chats`. One D1 read when the key exists (the
 * room calls this once per instance and keeps the key).
 *
 * Throws AppError `not_found` for a chat that does not exist or whose key was destroyed (the chat was
 * deleted; nothing recreates it), and a plain Error when the key's master version is no longer in
 * MESSAGE_KEYS or the wrapped key does not belong to this chat: a misconfiguration, never the caller's.
 */
export async function chatDataKey(db: Db, keyring: Keyring, chatId: number, nowMs = Date.now()): Promise<ChatDataKey> {
  let row = await findWrapped(db, chatId)
  if (!row) {
    const fresh = await wrapDataKey(keyring, chatId, newDataKeyBytes())
    await db.run(sql`
      INSERT INTO chat_keys (chat_id, key_version, wrapped_key, created_at_ms)
      SELECT ${chatId}, ${fresh.keyVersion}, ${fresh.wrappedKey}, ${nowMs}
      WHERE EXISTS (SELECT 1 FROM chats WHERE id = ${chatId})
      ON CONFLICT (chat_id) DO NOTHING`)
    row = await findWrapped(db, chatId)
    if (!row) throw new AppError('not_found', 'No such chat.')
  }
  if (row.wrappedKey === null) throw new AppError('not_found', 'This chat was deleted.')
  const bytes = await unwrapDataKeyBytes(keyring, chatId, { keyVersion: row.keyVersion, wrappedKey: row.wrappedKey })
  if (!bytes) throw new Error(`chat ${chatId}: its data key does not unwrap under MESSAGE_KEYS v${row.keyVersion}`)
  return { key: await importDataKey(bytes), wrappedBy: row.keyVersion }
}

/**
 * Destroys the chat's data key (crypto-shredding): the wrapped key is overwritten with NULL and the
 * row stays as a tombstone, so `chatDataKey` refuses the chat from now on instead of creating a new
 * key. Idempotent; also marks a chat that never had a key. Call it before deleting anything else of
 * the chat: once it returns, every copy of the chat's ciphertexts is unreadable, except through a
 * restore of D1 itself while the master version that wrapped the key still exists (D1 Time Travel,
 * docs/security.md#crypto-shredding).
 */
export async function destroyChatKey(db: Db, chatId: number, nowMs = Date.now()): Promise<void> {
  await db
    .insert(chatKeys)
    .values({ chatId, keyVersion: 0, wrappedKey: null, createdAtMs: nowMs, destroyedAtMs: nowMs })
    .onConflictDoUpdate({ target: chatKeys.chatId, set: { wrappedKey: null, destroyedAtMs: sql`coalesce(${chatKeys.destroyedAtMs}, ${nowMs})` } })
}

/** What one `rewrapChatKeys` batch did. */
export interface RewrapBatch {
  /** Keys now wrapped under the current master version. */
  rewrapped: number
  /** Chats whose key did not unwrap (tampered, or bound to another chat): left as they are. */
  unreadable: number[]
  /** The cursor for the next batch: the highest chat id this batch looked at. */
  nextAfter: number
  /** No key after `nextAfter` is under an older master version. */
  done: boolean
}

/**
 * Re-wraps up to `limit` data keys that are under an older master version than the keyring's current
 * one, in chat id order after `afterChatId`: bounded work per call, resumable from `nextAfter`, and
 * idempotent, so a run interrupted anywhere can also simply start again from 0. The data key itself
 * is unchanged (its ciphertexts stay valid; rooms keep their cached key). Keys under a version the
 * keyring no longer lists cannot be reached and are not selected (they belong to chats deleted from
 * the keyring's point of view; `countKeysUnder` reports them). Each update is conditional on the row
 * still holding what was read, so a concurrent destroy is never undone.
 */
export async function rewrapChatKeys(db: Db, keyring: Keyring, afterChatId: number, limit: number): Promise<RewrapBatch> {
  const older = [...keyring.keys.keys()].filter((version) => version !== keyring.current)
  if (older.length === 0) return { rewrapped: 0, unreadable: [], nextAfter: afterChatId, done: true }
  const rows = await db
    .select({ chatId: chatKeys.chatId, keyVersion: chatKeys.keyVersion, wrappedKey: chatKeys.wrappedKey })
    .from(chatKeys)
    .where(and(gt(chatKeys.chatId, afterChatId), inArray(chatKeys.keyVersion, older), isNotNull(chatKeys.wrappedKey)))
    .orderBy(asc(chatKeys.chatId))
    .limit(limit + 1)
  const page = rows.slice(0, limit)
  const unreadable: number[] = []
  let rewrapped = 0
  for (const row of page) {
    const old: WrappedKey = { keyVersion: row.keyVersion, wrappedKey: row.wrappedKey! }
    const bytes = await unwrapDataKeyBytes(keyring, row.chatId, old)
    if (!bytes) {
      unreadable.push(row.chatId)
      continue
    }
    const next = await wrapDataKey(keyring, row.chatId, bytes)
    await db
      .update(chatKeys)
      .set(next)
      .where(and(eq(chatKeys.chatId, row.chatId), eq(chatKeys.keyVersion, old.keyVersion), eq(chatKeys.wrappedKey, old.wrappedKey)))
    rewrapped += 1
  }
  const nextAfter = page.at(-1)?.chatId ?? afterChatId
  return { rewrapped, unreadable, nextAfter, done: rows.length <= limit }
}

/** How many live data keys are wrapped under each master version other than `current`: what removing that version would lose. */
export async function countKeysUnder(db: Db, current: number): Promise<Record<string, number>> {
  const rows = await db
    .select({ keyVersion: chatKeys.keyVersion, n: sql<number>`count(*)` })
    .from(chatKeys)
    .where(and(ne(chatKeys.keyVersion, current), isNotNull(chatKeys.wrappedKey)))
    .groupBy(chatKeys.keyVersion)
  return Object.fromEntries(rows.map((r) => [`v${r.keyVersion}`, r.n]))
}
