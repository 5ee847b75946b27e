import { bytesToBase64Url } from './encoding'

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length))
}

/** An unguessable identifier: `bytes` random bytes, base64url (32 bytes = 256 bits by default). */
export function randomToken(bytes = 32): string {
  return bytesToBase64Url(randomBytes(bytes))
}
