/** Where the relational data lives when it is not D1: a libSQL server (Turso or sqld) over HTTP. */
export interface LibsqlSettings {
  /** LIBSQL_URL as given: `libsql://`, `https://`, or `http://` to a loopback host. */
  url: string
  /** LIBSQL_AUTH_TOKEN (a secret), sent as a bearer token; undefined only for a loopback URL. */
  authToken: string | undefined
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

const isLoopback = (url: URL) => LOOPBACK_HOSTS.has(url.hostname)

/**
 * LIBSQL_URL -> the parsed URL, or null when unset or blank (the worker then uses the D1 binding).
 * `@libsql/client/web` speaks Hrana over HTTP to `libsql:` (meaning https) and `https:` URLs. Plain
 * `http:` would send the token in clear, so it is accepted for a loopback host only (a local sqld).
 * WebSocket URLs are refused: every request builds its own client, and a socket per request would
 * add a handshake to each. `file:` needs a file system, which Workers lack. The query string is
 * refused because the client would read `?authToken=` from it, putting a secret in a plain var.
 * Throws an Error saying what is wrong, never echoing the value.
 */
export function parseLibsqlUrl(value: string | undefined): URL | null {
  const spec = value?.trim() ?? ''
  if (spec === '') return null
  if (!URL.canParse(spec)) throw new Error('is not a URL like "libsql://<database>.turso.io"')
  const url = new URL(spec)
  if (url.protocol === 'file:') throw new Error('cannot be a file: URL in a worker (no file system); use D1 locally')
  const isHttp = url.protocol === 'http:' && isLoopback(url)
  if (url.protocol !== 'libsql:' && url.protocol !== 'https:' && !isHttp) {
    throw new Error('must be a libsql:// or https:// URL (http:// only to localhost)')
  }
  if (url.username || url.password) throw new Error('must not contain credentials; set the token in LIBSQL_AUTH_TOKEN')
  if (url.search || url.hash) throw new Error('must not have a query or fragment; set the token in LIBSQL_AUTH_TOKEN')
  return url
}

/**
 * LIBSQL_AUTH_TOKEN for the database at `url` (from {@link parseLibsqlUrl}). Required for any
 * non-loopback URL: Turso refuses unauthenticated requests, and a missing secret should fail at the
 * first request with its name rather than as an opaque 401 from the database. A token without a URL
 * is refused too: the worker would silently keep using D1. Tokens are JWTs; any visible ASCII is
 * accepted, since the value goes into an Authorization header.
 */
export function parseLibsqlAuthToken(value: string | undefined, url: URL | null): string | undefined {
  const token = value?.trim() ?? ''
  if (url === null) {
    if (token !== '') throw new Error('is set but LIBSQL_URL is not, so the worker would use D1')
    return undefined
  }
  if (token === '') {
    if (isLoopback(url)) return undefined
    throw new Error('is required for a LIBSQL_URL that is not localhost')
  }
  if (!/^[\x21-\x7e]+$/.test(token)) throw new Error('must be visible ASCII characters only (a JWT)')
  return token
}
