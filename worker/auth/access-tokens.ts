import { SignJWT, errors as joseErrors, jwtVerify } from 'jose'
import * as v from 'valibot'
import { Id } from '../../protocol/fields'
import { ACCESS_TOKEN_TTL_SECONDS } from '../../protocol/http'
import type { AuthUser } from '../env'
import { AppError } from '../errors'

export const TOKEN_ISSUER = 'edge-chat'
export const TOKEN_AUDIENCE = 'edge-chat-api'
const ALGORITHM = 'HS256'
/** How far past `exp` a token still verifies: clock skew between the edge machines. */
export const CLOCK_TOLERANCE_SECONDS = 5

/** The claims we read once jose has checked signature, issuer, audience and times; `sub` is the user id (we sign it as a decimal string). */
const AccessClaimsSchema = v.object({
  type: v.literal('access'),
  sub: Id,
  name: v.string(),
  sid: v.string(),
  exp: v.number(),
})

export interface IssuedAccessToken {
  token: string
  expiresInSeconds: number
}

export async function issueAccessToken(
  key: Uint8Array,
  user: { id: number; username: string },
  sessionId: string,
  nowMs = Date.now(),
): Promise<IssuedAccessToken> {
  const iat = Math.floor(nowMs / 1000)
  const token = await new SignJWT({ type: 'access', name: user.username, sid: sessionId })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setSubject(String(user.id))
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
    .sign(key)
  return { token, expiresInSeconds: ACCESS_TOKEN_TTL_SECONDS }
}

// jose imports a raw key on every call (`crypto.subtle.importKey`), which every socket upgrade and
// authenticated request would pay; the imported HMAC key is kept per secret (config parses the
// secret once per isolate, so this holds one entry).
const verifyKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>()

function verifyKeyOf(secret: Uint8Array): Promise<CryptoKey> {
  let key = verifyKeys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    verifyKeys.set(secret, key)
  }
  return key
}

// Tokens already verified in this isolate, per secret, with what they said: a client presents the
// same access token on every request and socket (re)connect for its 15 minutes, and the HMAC check,
// claim checks and parsing were about 5 % of the worker's thread in an upgrade burst. Only tokens
// that verified are kept, under the exact token text, for at most their lifetime (expiry is checked
// again on every use, with jose's rule); a different secret has its own map, so rotating
// JWT_SECRET verifies everything afresh. Revocation is not this function's job (sessions, D1 and
// the rooms' lists check it on every use). Bounded, oldest entry out first; like API gateways' JWT
// caches (Envoy's jwt_authn `jwt_cache_config`).
const VERIFIED_MAX = 1000
const verified = new WeakMap<Uint8Array, Map<string, AuthUser>>()

function verifiedFor(secret: Uint8Array): Map<string, AuthUser> {
  let map = verified.get(secret)
  if (!map) {
    map = new Map()
    verified.set(secret, map)
  }
  return map
}

/**
 * Verifies an access token: HS256 only (so `alg: none` and any other algorithm are refused), our
 * issuer and audience, a live `exp` (RFC 7519 §4.1.4, with CLOCK_TOLERANCE_SECONDS), and
 * `type: "access"` so no other token we sign is accepted here. `nowMs`: the time to check `exp`
 * against (epoch ms). Throws only `token_expired` or `invalid_token`.
 */
export async function verifyAccessToken(key: Uint8Array, token: string, nowMs = Date.now()): Promise<AuthUser> {
  const cache = verifiedFor(key)
  const known = cache.get(token)
  if (known) {
    // jose's rule: expired when exp <= now - tolerance.
    if (known.expiresAt > Math.floor(nowMs / 1000) - CLOCK_TOLERANCE_SECONDS) return { ...known }
    cache.delete(token)
    throw new AppError('token_expired', 'The access token has expired.')
  }
  try {
    const { payload } = await jwtVerify(token, await verifyKeyOf(key), {
      algorithms: [ALGORITHM],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      currentDate: new Date(nowMs),
    })
    const claims = v.safeParse(AccessClaimsSchema, payload)
    if (!claims.success) throw new AppError('invalid_token', 'The access token is not valid.')
    const { sub, name, sid, exp } = claims.output
    const user = { id: sub, username: name, sessionId: sid, expiresAt: exp }
    if (cache.size >= VERIFIED_MAX) cache.delete(cache.keys().next().value!)
    cache.set(token, user)
    return { ...user }
  } catch (err) {
    if (err instanceof AppError) throw err
    if (err instanceof joseErrors.JWTExpired) throw new AppError('token_expired', 'The access token has expired.')
    throw new AppError('invalid_token', 'The access token is not valid.')
  }
}
