import { cors } from 'hono/cors'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { isApiPath } from './api-paths'
import { AppError } from '../errors'

/** Every method an API route answers (worker/*\/routes.ts); a preflight for any other is not granted. */
export const CORS_METHODS = ['GET', 'POST', 'DELETE'] as const
/** The request headers the clients send beyond the CORS-safelisted ones (Fetch standard §3.2.2). */
export const CORS_HEADERS = ['Authorization', 'Content-Type'] as const
/** How long a browser may reuse a preflight, in seconds. Chromium caps it at 7200; 10 minutes lets a changed ALLOWED_ORIGINS apply soon. */
export const CORS_MAX_AGE_SECONDS = 600

const grantCors = cors({
  origin: (origin) => origin,
  credentials: true,
  allowMethods: [...CORS_METHODS],
  allowHeaders: [...CORS_HEADERS],
  maxAge: CORS_MAX_AGE_SECONDS,
})

/**
 * CORS for the origins in ALLOWED_ORIGINS (Config.allowedOrigins), exact string match, API paths
 * only, with credentials so the refresh cookie can travel. Any other origin gets no CORS header at
 * all, so its page cannot read our answers, and its preflight is refused outright (403
 * `cross_origin`). Reading is all CORS decides: the Origin checks against CSRF (`sameOrigin`) and
 * socket hijacking (`rooms/upgrade.ts`) still run for every request.
 */
export const corsForAllowedOrigins = createMiddleware<AppEnv>(async function corsForAllowedOrigins(c, next) {
  if (!isApiPath(c.req.path)) return next()
  const origin = c.req.header('Origin')
  const { allowedOrigins } = c.var.config
  if (origin !== undefined && allowedOrigins.includes(origin)) return grantCors(c, next)
  if (c.req.method === 'OPTIONS' && origin !== undefined && c.req.header('Access-Control-Request-Method') !== undefined) {
    throw new AppError('cross_origin', 'Requests from this origin are not allowed.')
  }
  await next()
  // The answer differs by Origin once some origin is granted, so caches must key on it.
  if (allowedOrigins.length > 0) c.header('Vary', 'Origin', { append: true })
})
