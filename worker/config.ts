import { base64ToBytes } from './crypto/encoding'
import { importKeyring, parseKeyringSpec, type Keyring } from './crypto/keys'
import type { Env } from './env'

export const MIN_JWT_SECRET_BYTES = 32

/** Secrets decoded and checked once per isolate. */
export interface Config {
  jwtKey: Uint8Array
  keyring: Keyring
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

let cached: { jwtSecret: string; messageKeys: string; config: Promise<Config> } | undefined

/**
 * Reads the secrets, refusing missing or weak ones: there is no fallback key, in dev or production,
 * because a silent default would encrypt everyone's messages with a key in our source.
 */
export function loadConfig(env: Pick<Env, 'JWT_SECRET' | 'MESSAGE_KEYS'>): Promise<Config> {
  if (cached && cached.jwtSecret === env.JWT_SECRET && cached.messageKeys === env.MESSAGE_KEYS) return cached.config
  const config = buildConfig(env)
  cached = { jwtSecret: env.JWT_SECRET, messageKeys: env.MESSAGE_KEYS, config }
  // A rejected promise stays cached for these inputs: every request fails the same clear way until fixed.
  config.catch(() => {})
  return config
}

async function buildConfig(env: Pick<Env, 'JWT_SECRET' | 'MESSAGE_KEYS'>): Promise<Config> {
  if (!env.JWT_SECRET) throw new ConfigError('JWT_SECRET is not set')
  const jwtKey = base64ToBytes(env.JWT_SECRET.trim())
  if (!jwtKey || jwtKey.length < MIN_JWT_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET must be at least ${MIN_JWT_SECRET_BYTES} random bytes, base64 encoded`)
  }
  let keyring: Keyring
  try {
    keyring = await importKeyring(parseKeyringSpec(env.MESSAGE_KEYS))
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : 'MESSAGE_KEYS is invalid')
  }
  return { jwtKey, keyring }
}
