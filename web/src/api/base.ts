/// <reference types="vite/client" />

/**
 * Where the API lives. By default the client is served by the worker, so the API is this page's own
 * origin and every URL stays relative. A separately hosted client is built with the worker's origin
 * in VITE_API_BASE (`VITE_API_BASE=https://chat.example.com npm run build`); that worker must list
 * the client's origin in ALLOWED_ORIGINS (docs/configuration.md). Read once, at build time.
 */
const API_BASE = normalizeBase(import.meta.env.VITE_API_BASE)

/** "https://api.example/" → "https://api.example"; unset or blank → "" (this page's origin). */
export function normalizeBase(base: string | undefined): string {
  return (base ?? '').trim().replace(/\/+$/, '')
}

/** The URL for an API path (PATHS), relative unless the API is on another origin. */
export function apiUrl(path: string, base = API_BASE): string {
  return `${base}${path}`
}

/**
 * Cookies go with API requests only to our own API: `include` when it is on another origin (the
 * refresh cookie is the API's, and the page is not), `same-origin` otherwise, so no other server
 * is ever sent them.
 */
export function apiCredentials(base = API_BASE): RequestCredentials {
  return base ? 'include' : 'same-origin'
}

/** The ws: or wss: URL of a socket path on the API's origin (this page's origin by default). */
export function socketUrl(path: string, base = API_BASE, pageOrigin = location.origin): string {
  const url = new URL(path, base || pageOrigin)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return url.href
}
