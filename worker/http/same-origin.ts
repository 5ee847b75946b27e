import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

/**
 * A browser always sends Origin on cross-site POSTs and WebSocket handshakes, so a present Origin
 * that is neither ours nor in `allowedOrigins` (Config, from ALLOWED_ORIGINS) is another site acting
 * with our user's cookie or token. No Origin at all is a non-browser client, which cannot ride on a
 * victim's cookies.
 */
export function isAllowedOrigin(origin: string | undefined, requestUrl: string, allowedOrigins: readonly string[]): boolean {
  if (origin === undefined) return true
  if (origin === new URL(requestUrl).origin) return true
  return allowedOrigins.includes(origin)
}

export function assertSameOrigin(origin: string | undefined, requestUrl: string, allowedOrigins: readonly string[]): void {
  if (!isAllowedOrigin(origin, requestUrl, allowedOrigins)) {
    throw new AppError('cross_origin', 'Requests from this origin are not allowed.')
  }
}

/** Refuses cross-site requests on unsafe methods (the CSRF guard for cookie-authenticated routes). */
export const sameOrigin = createMiddleware<AppEnv>(async function sameOrigin(c, next) {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    assertSameOrigin(c.req.header('Origin'), c.req.url, c.var.config.allowedOrigins)
  }
  await next()
})
