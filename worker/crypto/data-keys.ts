import { openBytes, sealBytes } from './aead'
import { base64ToBytes, bytesToBase64 } from './encoding'
import { AES_KEY_BYTES, type Keyring } from './keys'

// The key hierarchy (docs/security.md#key-hierarchy): each chat has a random 256-bit data key that
// seals its messages (and attachments); the data key is stored only wrapped by a master key, a
// version of MESSAGE_KEYS. Rotating a master key re-wraps 32 bytes per chat, not every message, and
// destroying one chat's wrapped key makes that chat's ciphertexts unreadable (crypto-shredding).

/**
 * The `key_version` a stored message records when its chat's data key sealed it. MESSAGE_KEYS
 * versions start at 1 (`parseKeyringSpec` refuses 0), so 0 never names a master key, and a row with
 * any other version was sealed directly under that master version (before per-chat keys).
 */
export const DATA_KEY_VERSION = 0

/** A data key as stored: `wrappedKey` is base64 of IV ‖ ciphertext ‖ tag, under master `keyVersion`. */
export interface WrappedKey {
  keyVersion: number
  wrappedKey: string
}

// AES-GCM with associated data rather than AES-KW (RFC 3394): AES-KW authenticates only the key
// bytes, so a wrapped key copied into another chat's row would unwrap and silently serve that chat.
// The AAD names the chat and the master version, so such a copy (or a relabelled version) fails.
// The domain prefix keeps it apart from the AAD of messages sealed directly under a master key
// ("chat=<id>|seq=<seq>|..."). Random 96-bit IVs are safe here by a wide margin: one wrap per chat
// per rotation, far below NIST SP 800-38D §8.3's 2^32 invocations per key.
function wrapContext(chatId: number, keyVersion: number): string {
  return `chat-key|chat=${chatId}|key=v${keyVersion}`
}

/** 32 fresh random bytes: a new chat's data key. */
export function newDataKeyBytes(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(AES_KEY_BYTES))
}

/** Wraps a data key under the keyring's current master version, bound to `chatId`. */
export async function wrapDataKey(master: Keyring, chatId: number, bytes: Uint8Array<ArrayBuffer>): Promise<WrappedKey> {
  const keyVersion = master.current
  const key = master.keys.get(keyVersion)
  if (!key) throw new Error(`keyring has no current key v${keyVersion}`)
  return { keyVersion, wrappedKey: bytesToBase64(await sealBytes(key, bytes, wrapContext(chatId, keyVersion))) }
}

/**
 * The data key's raw bytes, or null when its master version is not in the keyring (removed) or the
 * wrapped key does not belong to `chatId` (copied from another row, tampered).
 */
export async function unwrapDataKeyBytes(master: Keyring, chatId: number, wrapped: WrappedKey): Promise<Uint8Array<ArrayBuffer> | null> {
  const key = master.keys.get(wrapped.keyVersion)
  const packed = base64ToBytes(wrapped.wrappedKey)
  if (!key || !packed) return null
  const bytes = await openBytes(key, packed, wrapContext(chatId, wrapped.keyVersion))
  return bytes?.byteLength === AES_KEY_BYTES ? bytes : null
}

/** The data key for encrypting and decrypting; not extractable, so nothing can export it again. */
export function importDataKey(bytes: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt'])
}

/**
 * The keys a chat's messages are read and written with: its data key as version 0, the current one
 * (every new message), plus every master version, which opens rows sealed before per-chat keys until
 * the room re-seals them (`log/reseal.ts`).
 */
export function chatKeyring(dataKey: CryptoKey, master: Keyring): Keyring {
  return { current: DATA_KEY_VERSION, keys: new Map([[DATA_KEY_VERSION, dataKey], ...master.keys]) }
}
