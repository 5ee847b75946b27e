import { createMiddleware } from 'hono/factory'
import { verifyAccessToken } from '../auth/access-tokens'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

/** Pulls the token from `Authorization: Bearer <token>`; null when absent. */
export function readBearerToken(header: string | undefined): string | null {
  if (!header) return null
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) throw new AppError('invalid_token', 'The Authorization header must be "Bearer <access token>".')
  return match[1]!
}

/** Guards a router: sets c.var.user from a valid access token or answers 401. */
export const requireUser = createMiddleware<AppEnv>(async function requireUser(c, next) {
  const token = readBearerToken(c.req.header('Authorization'))
  if (!token) throw new AppError('missing_token', 'Sign in first: this route needs an access token.')
  c.set('user', await verifyAccessToken(c.var.config.jwtKey, token))
  await next()
})
