import { chatDataKey } from '../crypto/chat-keys'
import { DATA_KEY_VERSION } from '../crypto/data-keys'
import type { Keyring } from '../crypto/keys'
import type { Db } from '../db/client'
import { AppError } from '../errors'

/**
 * The label recorded beside an attachment (D1 `key_version`, the R2 object's metadata, and bound
 * into every chunk's AAD): the chat's data key (#14). Data keys are only ever re-wrapped, never
 * replaced, so one label names the key for the chat's whole life.
 */
export const ATTACHMENT_KEY_LABEL = 'chat'

/** The key that encrypts `chatId`'s attachments now (its data key, created on first use). */
export async function attachmentSealingKey(db: Db, keyring: Keyring, chatId: number): Promise<{ key: CryptoKey; label: string }> {
  return { key: (await chatDataKey(db, keyring, chatId)).key, label: ATTACHMENT_KEY_LABEL }
}

/**
 * The key named `label` that sealed an attachment of `chatId`; null when it no longer exists (the
 * chat was deleted and its key destroyed) or the label is unknown. A room's keyring already holds
 * the chat's data key as version 0 (`chatKeyring`), so the room reads no D1 row for it.
 */
export async function attachmentOpeningKey(db: Db, keyring: Keyring, chatId: number, label: string): Promise<CryptoKey | null> {
  if (label !== ATTACHMENT_KEY_LABEL) return null
  const cached = keyring.keys.get(DATA_KEY_VERSION)
  if (cached) return cached
  try {
    return (await chatDataKey(db, keyring, chatId)).key
  } catch (err) {
    if (err instanceof AppError) return null
    throw err
  }
}
