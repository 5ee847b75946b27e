import type { Keyring } from './keys'

/** GCM's recommended nonce size; a fresh random one per encryption. */
export const IV_BYTES = 12

/** One encrypted text: the key version that sealed it, its IV and the ciphertext with GCM's tag. */
export interface Sealed {
  keyVersion: number
  iv: ArrayBuffer
  ciphertext: ArrayBuffer
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

// The AAD carries the key version too, so a ciphertext relabelled with another version fails as well.
function associatedData(context: string, keyVersion: number): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${context}|key=v${keyVersion}`)
}

/**
 * Encrypts `text` with the keyring's current key (AES-256-GCM). `context` is bound as associated
 * data: opening it under any other context fails, which is what pins a ciphertext to its row.
 */
export async function seal(keyring: Keyring, text: string, context: string): Promise<Sealed> {
  const keyVersion = keyring.current
  const key = keyring.keys.get(keyVersion)
  if (!key) throw new Error(`keyring has no current key v${keyVersion}`)
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: associatedData(context, keyVersion) },
    key,
    encoder.encode(text),
  )
  return { keyVersion, iv: iv.buffer, ciphertext }
}

/** The plaintext, or null when the key version is unknown or the ciphertext, IV or context does not match. */
export async function open(keyring: Keyring, sealed: Sealed, context: string): Promise<string | null> {
  const key = keyring.keys.get(sealed.keyVersion)
  if (!key || sealed.iv.byteLength !== IV_BYTES) return null
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: sealed.iv, additionalData: associatedData(context, sealed.keyVersion) },
      key,
      sealed.ciphertext,
    )
    return decoder.decode(plain)
  } catch {
    return null
  }
}

/**
 * Encrypts `bytes` under one key (AES-256-GCM, fresh IV) with `context` as associated data; returns
 * the IV followed by the ciphertext and its 16-byte tag. Used to wrap chat data keys (`data-keys.ts`).
 */
export async function sealBytes(key: CryptoKey, bytes: Uint8Array<ArrayBuffer>, context: string): Promise<Uint8Array<ArrayBuffer>> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(context) }, key, bytes)
  const packed = new Uint8Array(IV_BYTES + ciphertext.byteLength)
  packed.set(iv)
  packed.set(new Uint8Array(ciphertext), IV_BYTES)
  return packed
}

/** The bytes `sealBytes` sealed, or null when the key, the context or any byte does not match. */
export async function openBytes(key: CryptoKey, packed: Uint8Array<ArrayBuffer>, context: string): Promise<Uint8Array<ArrayBuffer> | null> {
  if (packed.byteLength <= IV_BYTES) return null
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: packed.slice(0, IV_BYTES), additionalData: encoder.encode(context) },
      key,
      packed.slice(IV_BYTES),
    )
    return new Uint8Array(plain)
  } catch {
    return null
  }
}
