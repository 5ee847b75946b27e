import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { REFRESH_COOKIE_NAME, REFRESH_TOKEN_TTL_SECONDS } from '../../protocol/http'
import type { AppEnv } from '../env'
import { isCrossSite } from '../http/site'

export type RefreshCookieSameSite = 'Strict' | 'None'

/**
 * SameSite for the refresh cookie of this response: `None` only when the caller is a page on an
 * origin listed in ALLOWED_ORIGINS that is another *site* than ours (http/site.ts), because the
 * browser then sends and accepts only SameSite=None cookies (RFC 6265bis §5.6.7.1); `Strict` for
 * everyone else, including same-site origins such as another port of the same host. `origin` is the
 * request's Origin header (undefined for non-browser clients), `requestUrl` the URL it reached us on.
 */
export function refreshCookieSameSite(origin: string | undefined, requestUrl: string, allowedOrigins: readonly string[]): RefreshCookieSameSite {
  if (origin === undefined || !allowedOrigins.includes(origin)) return 'Strict'
  return isCrossSite(origin, new URL(requestUrl).origin) ? 'None' : 'Strict'
}

// HttpOnly keeps the refresh token away from page scripts (XSS); SameSite=Strict keeps other sites
// from sending it; Secure is honoured on http://localhost by browsers, so dev behaves like production.
// A listed cross-site client's cookie must be SameSite=None, which is still safe: the cookie routes
// refuse any Origin not listed (http/same-origin.ts), and CORS lets no other page read their answers.
// It is also Partitioned (CHIPS), kept in a jar keyed to the client's site: it works where third-party
// cookies are blocked (they are in our headless Chromium), and is sent only when that client is the page.
function cookieOptions(c: Context<AppEnv>) {
  const sameSite = refreshCookieSameSite(c.req.header('Origin'), c.req.url, c.var.config.allowedOrigins)
  return { httpOnly: true, secure: true, sameSite, partitioned: sameSite === 'None', path: '/' } as const
}

/** Every refresh token lives REFRESH_TOKEN_TTL_SECONDS from its issue, so the cookie does too. */
export function setRefreshCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, REFRESH_COOKIE_NAME, token, { ...cookieOptions(c), maxAge: REFRESH_TOKEN_TTL_SECONDS })
}

export function readRefreshCookie(c: Context): string | undefined {
  return getCookie(c, REFRESH_COOKIE_NAME) || undefined
}

// Same attributes as the cookie it clears: a browser drops a Strict Set-Cookie from a cross-site
// response, and a partitioned cookie is only replaced by a partitioned one.
export function clearRefreshCookie(c: Context<AppEnv>): void {
  deleteCookie(c, REFRESH_COOKIE_NAME, cookieOptions(c))
}
