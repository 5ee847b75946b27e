import { cors } from 'hono/cors'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { isApiPath } from './api-paths'
import { AppError } from '../errors'

/** Every method an API route answers (worker/*\/routes.ts); a preflight for any other is not granted. */
export const CORS_METHODS = ['GET', 'POST', 'PATCH', 'DELETE'] as const
/** The request headers the clients send beyond the CORS-safelisted ones (Fetch standard §3.2.2). */
export const CORS_HEADERS = ['Authorization', 'Content-Type'] as const
/** How long a browser may reuse a preflight, in seconds. Chromium caps it at 7200; 10 minutes lets a changed ALLOWED_ORIGINS apply soon. */
export const CORS_MAX_AGE_SECONDS = 600

// Names a browser may list in Access-Control-Request-Headers although they are CORS-safelisted
// (Fetch standard §4.8: it lists a safelisted name when the value is not safelisted, e.g. a long Accept).
const SAFELISTED_HEADERS = ['accept', 'accept-language', 'content-language']
const GRANTED_HEADERS = new Set([...CORS_HEADERS.map((name) => name.toLowerCase()), ...SAFELISTED_HEADERS])

/** True when a preflight asks only for a method and headers we grant (the request headers are a comma list). */
export function isGrantablePreflight(method: string, requestHeaders: string | undefined): boolean {
  if (!(CORS_METHODS as readonly string[]).includes(method)) return false
  const names = (requestHeaders ?? '').split(',').map((name) => name.trim().toLowerCase())
  return names.every((name) => name === '' || GRANTED_HEADERS.has(name))
}

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
 * `cross_origin`); so is a listed origin's preflight asking for a method or header we do not grant,
 * rather than leaving the refusal to the browser. Reading is all CORS decides: the Origin checks against CSRF (`sameOrigin`) and
 * socket hijacking (`rooms/upgrade.ts`) still run for every request.
 */
export const corsForAllowedOrigins = createMiddleware<AppEnv>(async function corsForAllowedOrigins(c, next) {
  if (!isApiPath(c.req.path)) return next()
  const origin = c.req.header('Origin')
  const { allowedOrigins } = c.var.config
  const requestedMethod = c.req.method === 'OPTIONS' ? c.req.header('Access-Control-Request-Method') : undefined
  const isListed = origin !== undefined && allowedOrigins.includes(origin)
  if (isListed && requestedMethod !== undefined && !isGrantablePreflight(requestedMethod, c.req.header('Access-Control-Request-Headers'))) {
    throw new AppError('cross_origin', 'This method or header is not allowed from another origin.')
  }
  if (isListed) return grantCors(c, next)
  if (origin !== undefined && requestedMethod !== undefined) {
    throw new AppError('cross_origin', 'Requests from this origin are not allowed.')
  }
  await next()
  // The answer differs by Origin once some origin is granted, so caches must key on it.
  if (allowedOrigins.length > 0) c.header('Vary', 'Origin', { append: true })
})
