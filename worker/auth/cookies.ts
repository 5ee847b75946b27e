import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { REFRESH_COOKIE_NAME, REFRESH_TOKEN_TTL_SECONDS } from '../../protocol/http'

// HttpOnly keeps the refresh token away from page scripts (XSS); SameSite=Strict keeps other sites
// from sending it; Secure is honoured on http://localhost by browsers, so dev behaves like production.
const COOKIE_OPTIONS = { httpOnly: true, secure: true, sameSite: 'Strict', path: '/' } as const

/** Every refresh token lives REFRESH_TOKEN_TTL_SECONDS from its issue, so the cookie does too. */
export function setRefreshCookie(c: Context, token: string): void {
  setCookie(c, REFRESH_COOKIE_NAME, token, { ...COOKIE_OPTIONS, maxAge: REFRESH_TOKEN_TTL_SECONDS })
}

export function readRefreshCookie(c: Context): string | undefined {
  return getCookie(c, REFRESH_COOKIE_NAME) || undefined
}

export function clearRefreshCookie(c: Context): void {
  deleteCookie(c, REFRESH_COOKIE_NAME, COOKIE_OPTIONS)
}
