import type { Db } from '../db/client'
import type { Keyring } from './keys'

// TEMPORARY (issue #14): the `keys` branch replaces this file with per-chat data keys wrapped by the
// keyring. Until then every chat's data key is the keyring's master key, named by its version, so an
// attachment encrypted before a rotation still opens with the key that sealed it.

/** The key that encrypts a chat's data now, and the name (`version`) recorded beside what it sealed. */
export interface ChatDataKey {
  key: CryptoKey
  version: string
}

/** The data key to encrypt `chatId`'s data with now. */
export async function chatDataKey(_db: Db, keyring: Keyring, _chatId: number): Promise<ChatDataKey> {
  const key = keyring.keys.get(keyring.current)
  if (!key) throw new Error(`keyring has no current key v${keyring.current}`)
  return { key, version: `v${keyring.current}` }
}

/** The data key named `version` that sealed some of `chatId`'s data; null when it no longer exists. */
export async function chatDataKeyVersion(_db: Db, keyring: Keyring, _chatId: number, version: string): Promise<CryptoKey | null> {
  const match = /^v(\d{1,6})$/.exec(version)
  return match ? (keyring.keys.get(Number(match[1])) ?? null) : null
}
