import { base64ToBytes } from './encoding'

export const AES_KEY_BYTES = 32

/** Message-encryption keys by version; `current` encrypts, every version decrypts. */
export interface Keyring {
  current: number
  keys: ReadonlyMap<number, CryptoKey>
}

export interface RawKey {
  version: number
  bytes: Uint8Array<ArrayBuffer>
}

/**
 * Parses MESSAGE_KEYS = "v2:<base64>,v1:<base64>" (newest first). Throws with a message naming the
 * problem but never the key material.
 */
export function parseKeyringSpec(spec: string | undefined): RawKey[] {
  if (!spec || !spec.trim()) throw new Error('MESSAGE_KEYS is not set')
  const seen = new Set<number>()
  return spec.split(',').map((entry, index) => {
    const match = /^v(\d{1,6}):(\S+)$/.exec(entry.trim())
    if (!match) throw new Error(`MESSAGE_KEYS entry ${index + 1} is not "v<version>:<base64 key>"`)
    const version = Number(match[1])
    const bytes = base64ToBytes(match[2]!)
    if (version < 1 || seen.has(version)) throw new Error(`MESSAGE_KEYS entry ${index + 1} repeats or uses version 0`)
    if (!bytes || bytes.length !== AES_KEY_BYTES) {
      throw new Error(`MESSAGE_KEYS v${version} must be ${AES_KEY_BYTES} bytes, base64 encoded`)
    }
    seen.add(version)
    return { version, bytes }
  })
}

export async function importKeyring(raw: RawKey[]): Promise<Keyring> {
  const keys = new Map<number, CryptoKey>()
  for (const { version, bytes } of raw) {
    keys.set(version, await crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']))
  }
  return { current: raw[0]!.version, keys }
}
