import { argon2id } from '@noble/hashes/argon2.js'
import { base64ToBytes, bytesToBase64 } from '../crypto/encoding'
import { timingSafeEqual } from '../crypto/equal'
import { randomBytes } from '../crypto/random'

export interface Argon2Params {
  /** Memory in KiB. */
  m: number
  /** Passes. */
  t: number
  /** Lanes. */
  p: number
}

/** OWASP Password Storage Cheat Sheet's first argon2id option: 19 MiB, 2 passes, 1 lane. */
export const DEFAULT_ARGON2_PARAMS: Argon2Params = { m: 19456, t: 2, p: 1 }
const SALT_BYTES = 16
const HASH_BYTES = 32

// RFC 9106 §3.1: t >= 1, 1 <= p <= 2^24 - 1, m >= 8p KiB. The upper bounds on m and t are ours: an
// isolate has 128 MB of memory (Workers platform limit), and each pass at the default memory costs
// about 80 ms of CPU, so ten keep a login near a second.
const ARGON2_MAX_MEMORY_KIB = 65536
const ARGON2_MAX_PASSES = 10
const ARGON2_MAX_LANES = 2 ** 24 - 1

/**
 * PASSWORD_HASH_PARAMS "m=19456,t=2,p=1" -> params (m in KiB); unset or empty means the default.
 * Throws an Error saying what is wrong (never 500 at login: config.ts checks this once per isolate).
 * Only the test config lowers the cost, so that hundreds of sign-ups stay fast; the stored string
 * records whatever was used.
 */
export function parseArgon2Params(spec: string | undefined): Argon2Params {
  if (!spec || !spec.trim()) return DEFAULT_ARGON2_PARAMS
  const match = /^m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,10})$/.exec(spec.trim())
  if (!match) throw new Error('must look like "m=19456,t=2,p=1"')
  const params = { m: Number(match[1]), t: Number(match[2]), p: Number(match[3]) }
  if (params.p < 1 || params.p > ARGON2_MAX_LANES) throw new Error(`p must be 1 to ${ARGON2_MAX_LANES}`)
  if (params.t < 1 || params.t > ARGON2_MAX_PASSES) throw new Error(`t must be 1 to ${ARGON2_MAX_PASSES}`)
  if (params.m < 8 * params.p || params.m > ARGON2_MAX_MEMORY_KIB) throw new Error(`m must be 8 * p to ${ARGON2_MAX_MEMORY_KIB} (KiB)`)
  return params
}

// NIST 800-63B asks for Unicode normalisation so the same password typed on two keyboards matches.
function passwordBytes(password: string): Uint8Array {
  return new TextEncoder().encode(password.normalize('NFKC'))
}

function derive(password: string, salt: Uint8Array, params: Argon2Params): Uint8Array {
  return argon2id(passwordBytes(password), salt, { ...params, dkLen: HASH_BYTES })
}

const b64 = (bytes: Uint8Array) => bytesToBase64(bytes).replace(/=+$/, '')

/** PHC string format, self-describing so parameters can be raised later: $argon2id$v=19$m=..,t=..,p=..$salt$hash */
export function hashPassword(password: string, params: Argon2Params = DEFAULT_ARGON2_PARAMS): string {
  const salt = randomBytes(SALT_BYTES)
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${b64(salt)}$${b64(derive(password, salt, params))}`
}

interface ParsedHash {
  params: Argon2Params
  salt: Uint8Array
  hash: Uint8Array
}

function parseHash(stored: string): ParsedHash | null {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored)
  if (!match) return null
  const salt = base64ToBytes(match[4]!)
  const hash = base64ToBytes(match[5]!)
  if (!salt || !hash) return null
  return { params: { m: Number(match[1]), t: Number(match[2]), p: Number(match[3]) }, salt, hash }
}

export function verifyPassword(password: string, stored: string): boolean {
  const parsed = parseHash(stored)
  if (!parsed) return false
  return timingSafeEqual(derive(password, parsed.salt, parsed.params), parsed.hash)
}

/** True when the stored hash is weaker than `params` and should be replaced after a successful login. */
export function needsRehash(stored: string, params: Argon2Params): boolean {
  const parsed = parseHash(stored)
  if (!parsed) return true
  return parsed.params.m < params.m || parsed.params.t < params.t || parsed.params.p !== params.p
}

const dummyHashes = new Map<string, string>()

/**
 * A hash of a random password with the current parameters. Verifying an unknown email against it
 * costs the same as a real check, so response time does not reveal which emails have accounts.
 */
export function dummyHash(params: Argon2Params): string {
  const key = `${params.m},${params.t},${params.p}`
  let hash = dummyHashes.get(key)
  if (!hash) {
    hash = hashPassword(b64(randomBytes(16)), params)
    dummyHashes.set(key, hash)
  }
  return hash
}
