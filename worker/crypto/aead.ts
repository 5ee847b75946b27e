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
