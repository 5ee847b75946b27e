import { createMiddleware } from 'hono/factory'
import { verifyAccessToken } from '../auth/access-tokens'
import { requireLiveSession } from '../auth/revocation'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

/** Pulls the token from `Authorization: Bearer <token>`; null when absent. */
export function readBearerToken(header: string | undefined): string | null {
  if (!header) return null
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) throw new AppError('invalid_token', 'The Authorization header must be "Bearer <access token>".')
  return match[1]!
}

/**
 * Guards a router: sets c.var.user from a valid access token whose session is live, or answers 401
 * (`missing_token`, `invalid_token`, `token_expired`, `session_revoked`: signed out, revoked by a
 * password change or from another device, or the account deleted; one D1 read, `requireLiveSession`).
 */
export const requireUser = createMiddleware<AppEnv>(async function requireUser(c, next) {
  const token = readBearerToken(c.req.header('Authorization'))
  if (!token) throw new AppError('missing_token', 'Sign in first: this route needs an access token.')
  const user = await verifyAccessToken(c.var.config.jwtKey, token)
  // Set first, so the request log names the user of a refused session too.
  c.set('user', user)
  await requireLiveSession(c.var.db, user)
  await next()
})
