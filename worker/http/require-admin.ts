import { createMiddleware } from 'hono/factory'
import { timingSafeEqual } from '../crypto/equal'
import { sha256 } from '../crypto/hash'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { readBearerToken } from './require-user'

/**
 * Guards the operator's routes: `Authorization: Bearer <ADMIN_TOKEN>`. Digests are compared, in
 * constant time, so neither the content nor the length of the token shows in response times. With
 * ADMIN_TOKEN unset the routes answer 403 `forbidden`: they are off.
 */
export const requireAdmin = createMiddleware<AppEnv>(async function requireAdmin(c, next) {
  const expected = c.var.config.adminTokenDigest
  if (!expected) throw new AppError('forbidden', 'The admin routes are off: ADMIN_TOKEN is not set.')
  const token = readBearerToken(c.req.header('Authorization'))
  if (!token) throw new AppError('missing_token', 'This route needs "Authorization: Bearer <ADMIN_TOKEN>".')
  if (!timingSafeEqual(await sha256(token), expected)) throw new AppError('invalid_token', 'That is not the admin token.')
  await next()
})
