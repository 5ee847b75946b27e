import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

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
