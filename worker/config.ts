import { parseArgon2Params, type Argon2Params } from './auth/passwords'
import { base64ToBytes } from './crypto/encoding'
import { sha256 } from './crypto/hash'
import { importKeyring, parseKeyringSpec, type Keyring } from './crypto/keys'
import { parseLibsqlAuthToken, parseLibsqlUrl, type LibsqlSettings } from './db/libsql-settings'
import type { Env } from './env'
import { DEFAULT_SHARD_MEMBERS, MAX_SHARD_MEMBERS } from './rooms/shard/plan'

export const MIN_JWT_SECRET_BYTES = 32

/** Every var and secret of Env, parsed and checked once per isolate (docs/configuration.md). */
export interface Config {
  /** JWT_SECRET decoded: the HS256 key for access tokens, at least MIN_JWT_SECRET_BYTES bytes. */
  jwtKey: Uint8Array
  /** MESSAGE_KEYS imported: AES-256-GCM keys by version, the first one encrypts. */
  keyring: Keyring
  /** ALLOWED_ORIGINS: origins besides the worker's own allowed to call the API and open sockets. */
  allowedOrigins: readonly string[]
  /** PASSWORD_HASH_PARAMS, or OWASP's argon2id minimum when unset: the cost of new password hashes. */
  passwordHashParams: Argon2Params
  /** LIBSQL_URL and LIBSQL_AUTH_TOKEN: the relational store is this libSQL database; null = the D1 binding. */
  libsql: LibsqlSettings | null
  /** SHA-256 of ADMIN_TOKEN (the operator's routes compare digests); null when unset: those routes are off. */
  adminTokenDigest: Uint8Array | null
  /** MAX_ATTACHMENT_BYTES, or 10 MiB: the largest attachment accepted, in plaintext bytes. */
  maxAttachmentBytes: number
  /** ATTACHMENT_CLAIM_SECONDS, or 1 hour: how long an upload waits for a message before the cron deletes it. */
  attachmentClaimSeconds: number
  /** ROOM_SHARD_MEMBERS, or DEFAULT_SHARD_MEMBERS: members per fan-out shard of a large group (worker/rooms/shard/). */
  roomShardMembers: number
}

/** The vars and secrets Config is parsed from. */
export type ConfigEnv = Pick<
  Env,
  | 'JWT_SECRET'
  | 'MESSAGE_KEYS'
  | 'ALLOWED_ORIGINS'
  | 'PASSWORD_HASH_PARAMS'
  | 'LIBSQL_URL'
  | 'LIBSQL_AUTH_TOKEN'
  | 'ADMIN_TOKEN'
  | 'MAX_ATTACHMENT_BYTES'
  | 'ATTACHMENT_CLAIM_SECONDS'
  | 'ROOM_SHARD_MEMBERS'
>
export type ConfigVariable = keyof ConfigEnv

const VARIABLES: readonly ConfigVariable[] = [
  'JWT_SECRET',
  'MESSAGE_KEYS',
  'ALLOWED_ORIGINS',
  'PASSWORD_HASH_PARAMS',
  'LIBSQL_URL',
  'LIBSQL_AUTH_TOKEN',
  'ADMIN_TOKEN',
  'MAX_ATTACHMENT_BYTES',
  'ATTACHMENT_CLAIM_SECONDS',
  'ROOM_SHARD_MEMBERS',
]

export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
export const DEFAULT_ATTACHMENT_CLAIM_SECONDS = 60 * 60
// R2's single-upload limit is 5 GiB; far below it, what bounds a file is the client's patience.
const MAX_ATTACHMENT_BYTES_CEILING = 1024 * 1024 * 1024

/** A var or secret that is missing or malformed. `reason` never contains the value. */
export class ConfigError extends Error {
  override name = 'ConfigError'

  constructor(
    readonly variable: ConfigVariable,
    readonly reason: string,
  ) {
    super(`${variable}: ${reason}`)
  }
}

// Keyed on the raw values, so a test (or a redeploy) with other values gets a fresh parse.
let cached: { raw: readonly unknown[]; config: Promise<Config> } | undefined

/**
 * The parsed Config, or a rejection with a ConfigError naming the first bad variable. There is no
 * fallback key, in dev or production: a silent default would encrypt everyone's messages with a key
 * in our source. Parsed once per isolate; a rejection stays cached too, so every request fails the
 * same clear way until the value is fixed.
 */
export function loadConfig(env: ConfigEnv): Promise<Config> {
  const raw = VARIABLES.map((name) => env[name])
  if (cached && raw.every((value, i) => value === cached!.raw[i])) return cached.config
  const config = buildConfig(env)
  cached = { raw, config }
  config.catch(() => {})
  return config
}

async function buildConfig(env: ConfigEnv): Promise<Config> {
  const jwtKey = await read(env, 'JWT_SECRET', parseJwtSecret)
  const keyring = await read(env, 'MESSAGE_KEYS', async (spec) => importKeyring(parseKeyringSpec(spec)))
  const allowedOrigins = await read(env, 'ALLOWED_ORIGINS', parseAllowedOrigins)
  const passwordHashParams = await read(env, 'PASSWORD_HASH_PARAMS', parseArgon2Params)
  const libsqlUrl = await read(env, 'LIBSQL_URL', parseLibsqlUrl)
  const libsqlAuthToken = await read(env, 'LIBSQL_AUTH_TOKEN', (token) => parseLibsqlAuthToken(token, libsqlUrl))
  const libsql = libsqlUrl && { url: libsqlUrl.href, authToken: libsqlAuthToken }
  const adminTokenDigest = await read(env, 'ADMIN_TOKEN', parseAdminToken)
  const maxAttachmentBytes = await read(env, 'MAX_ATTACHMENT_BYTES', (value) =>
    parsePositiveInteger(value, DEFAULT_MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_BYTES_CEILING),
  )
  const attachmentClaimSeconds = await read(env, 'ATTACHMENT_CLAIM_SECONDS', (value) =>
    parsePositiveInteger(value, DEFAULT_ATTACHMENT_CLAIM_SECONDS, 7 * 24 * 60 * 60),
  )
  const roomShardMembers = await read(env, 'ROOM_SHARD_MEMBERS', (value) => parsePositiveInteger(value, DEFAULT_SHARD_MEMBERS, MAX_SHARD_MEMBERS))
  return { jwtKey, keyring, allowedOrigins, passwordHashParams, libsql, adminTokenDigest, maxAttachmentBytes, attachmentClaimSeconds, roomShardMembers }
}

/** Runs one variable's parser, turning whatever it throws into a ConfigError naming that variable. */
async function read<T>(env: ConfigEnv, variable: ConfigVariable, parse: (value: string | undefined) => T | Promise<T>): Promise<T> {
  // A wrangler.toml var can be a number, boolean or JSON object; every one of ours is a string.
  const value: unknown = env[variable]
  if (value !== undefined && typeof value !== 'string') throw new ConfigError(variable, 'must be a string')
  try {
    return await parse(value)
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'is invalid'
    // crypto/keys.ts names MESSAGE_KEYS itself; the error names the variable once.
    throw new ConfigError(variable, reason.startsWith(`${variable} `) ? reason.slice(variable.length + 1) : reason)
  }
}

function parseJwtSecret(secret: string | undefined): Uint8Array {
  if (!secret || !secret.trim()) throw new Error('is not set')
  const key = base64ToBytes(secret.trim())
  if (!key || key.length < MIN_JWT_SECRET_BYTES) throw new Error(`must be at least ${MIN_JWT_SECRET_BYTES} random bytes, base64 encoded`)
  return key
}

/** A decimal integer from 1 to `max`; unset or blank means `fallback`. */
export function parsePositiveInteger(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined || value.trim() === '') return fallback
  if (!/^\d{1,10}$/.test(value.trim())) throw new Error(`must be a whole number from 1 to ${max}`)
  const n = Number(value.trim())
  if (n < 1 || n > max) throw new Error(`must be a whole number from 1 to ${max}`)
  return n
}

/**
 * ADMIN_TOKEN: unset or empty turns the operator's routes off; otherwise at least
 * MIN_JWT_SECRET_BYTES random bytes, base64 or base64url (`npm run secrets` prints one), as a
 * guessable token would open key rotation to anyone. Returns the SHA-256 of the trimmed token.
 */
async function parseAdminToken(token: string | undefined): Promise<Uint8Array | null> {
  if (token === undefined || token.trim() === '') return null
  const bytes = base64ToBytes(token.trim())
  if (!bytes || bytes.length < MIN_JWT_SECRET_BYTES) throw new Error(`must be at least ${MIN_JWT_SECRET_BYTES} random bytes, base64 encoded`)
  return sha256(token.trim())
}

/**
 * ALLOWED_ORIGINS "https://a.example, http://localhost:5173" -> origins; unset, empty or blank
 * entries mean none. Each entry must be exactly an origin (RFC 6454 §6.2: scheme, host, port; no
 * path, no trailing slash), because it is compared with the browser's Origin header as a string:
 * anything else would never match and fail silently. Throws an Error naming the entry by position.
 */
export function parseAllowedOrigins(spec: string | undefined): string[] {
  const origins: string[] = []
  for (const [index, raw] of (spec ?? '').split(',').entries()) {
    const entry = raw.trim()
    if (entry === '') continue
    if (!isOrigin(entry)) {
      throw new Error(`entry ${index + 1} is not an origin like "https://chat.example" (http or https, no path or trailing slash)`)
    }
    origins.push(entry)
  }
  return origins
}

function isOrigin(entry: string): boolean {
  if (!URL.canParse(entry)) return false
  const url = new URL(entry)
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === entry
}
