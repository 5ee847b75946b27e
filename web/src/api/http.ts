import { PATHS, type ErrorCode, type RefreshResponse } from '../../../protocol'
import { apiCredentials, apiUrl } from './base'
import { ApiError, toApiError } from './errors'
import { reconnectDelayMs } from './backoff'
import { singleFlight, withCrossTabLock } from './single-flight'

// The access token lives only in this module's memory: script injected into the page cannot lift
// it from storage after the fact, and a reload costs one refresh (docs/web-client.md).
let accessToken: AccessToken | null = null
let refreshTimer: ReturnType<typeof setTimeout> | undefined
let failedEarlyRefreshes = 0
const tokenListeners = new Set<(token: AccessToken | null) => void>()
const sessionEndListeners = new Set<() => void>()

/** An access token and when it expires, in ms on this device's wall clock (`Date.now()`). */
export interface AccessToken {
  token: string
  expiresAtMs: number
}

/** Renew this long before the access token expires, so requests rarely meet a 401. */
const REFRESH_EARLY_MS = 60_000
/**
 * A token this close to its expiry is not used for a new request or socket: refresh first. It
 * covers the time a request or upgrade takes to arrive, and modest clock drift since the refresh.
 */
export const TOKEN_EXPIRY_MARGIN_MS = 30_000
// session_revoked too: the refresh then ends the session (its cookie was revoked with it), or, when
// this browser signed in again meanwhile, gets a token of the new session.
const RETRYABLE_AUTH: ReadonlySet<ErrorCode | 'network'> = new Set(['token_expired', 'invalid_token', 'missing_token', 'session_revoked'])

/**
 * Keeps a token from /login/ or /refresh/. `expiresInSeconds` is the server's relative lifetime,
 * turned into a local wall-clock time at once, so a wrong device clock does not matter (the
 * absolute `token_expires_at` of the socket's `ready` frame is on the server's clock, unused here).
 */
export function setAccessToken(token: string, expiresInSeconds: number): void {
  accessToken = { token, expiresAtMs: Date.now() + expiresInSeconds * 1000 }
  failedEarlyRefreshes = 0
  scheduleEarlyRefresh(accessToken.expiresAtMs - REFRESH_EARLY_MS - Date.now())
  for (const listener of tokenListeners) listener(accessToken)
}

export function clearAccessToken(): void {
  accessToken = null
  clearTimeout(refreshTimer)
  for (const listener of tokenListeners) listener(null)
}

export function onAccessTokenChange(listener: (token: AccessToken | null) => void): () => void {
  tokenListeners.add(listener)
  return () => tokenListeners.delete(listener)
}

/** Called when the refresh cookie is no longer accepted: the user must sign in again. */
export function onSessionEnd(listener: () => void): () => void {
  sessionEndListeners.add(listener)
  return () => sessionEndListeners.delete(listener)
}

/** True when /refresh/ itself answered 401: the login is over (not a network or server hiccup). */
export function isSessionEnded(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401
}

function scheduleEarlyRefresh(delayMs: number): void {
  clearTimeout(refreshTimer)
  refreshTimer = setTimeout(refreshIfDue, Math.max(0, delayMs))
}

/**
 * Refreshes when the token is within REFRESH_EARLY_MS of its expiry by the wall clock, else
 * re-arms the timer. Timers run late or not at all while a laptop sleeps, so the browser's
 * `online` and `visibilitychange` events call this too. A failed refresh (offline, 5xx) is
 * retried with the socket's backoff; only a refused cookie (401) stops it, by ending the session.
 */
export function refreshIfDue(): void {
  if (!accessToken) return
  const dueInMs = accessToken.expiresAtMs - REFRESH_EARLY_MS - Date.now()
  if (dueInMs > 0) return scheduleEarlyRefresh(dueInMs)
  clearTimeout(refreshTimer)
  refreshAccessToken().catch((err) => {
    if (accessToken && !isSessionEnded(err)) scheduleEarlyRefresh(reconnectDelayMs(failedEarlyRefreshes++))
  })
}

if (typeof window !== 'undefined') {
  window.addEventListener('online', refreshIfDue)
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && refreshIfDue())
}

async function postRefresh(): Promise<RefreshResponse> {
  const res = await fetchOrThrow(PATHS.refresh, { method: 'POST', credentials: apiCredentials() })
  if (!res.ok) throw await toApiError(res)
  return (await res.json()) as RefreshResponse
}

/** One refresh at a time in this tab (singleFlight) and across tabs (the lock). */
export const refreshSession = singleFlight(async () => {
  try {
    const body = await withCrossTabLock('edge-chat:refresh', postRefresh)
    setAccessToken(body.access_token, body.expires_in)
    return body
  } catch (err) {
    if (isSessionEnded(err)) {
      clearAccessToken()
      for (const listener of sessionEndListeners) listener()
    }
    throw err
  }
})

/** A new access token (single-flight); rejects with ApiError (`network`, or 401 when signed out). */
export async function refreshAccessToken(): Promise<AccessToken> {
  await refreshSession()
  if (!accessToken) throw new ApiError('missing_token', 'signed out during the refresh', 401)
  return accessToken
}

/**
 * The access token, refreshed first when there is none or it expires within
 * TOKEN_EXPIRY_MARGIN_MS (wall clock), so nothing is sent with a token known to be expired.
 */
export async function getAccessToken(): Promise<AccessToken> {
  if (accessToken && accessToken.expiresAtMs - Date.now() > TOKEN_EXPIRY_MARGIN_MS) return accessToken
  return refreshAccessToken()
}

async function fetchOrThrow(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(apiUrl(path), init)
  } catch {
    throw new ApiError('network', 'network error')
  }
}

export interface RequestOptions {
  body?: unknown
  /** Send the access token, and refresh then retry once on a token error. Default true. */
  auth?: boolean
  /** Resolve with the body as a Blob (a download) instead of parsed JSON. */
  blob?: boolean
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const isAuth = options.auth ?? true
  const send = async (token: string | null) => {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (options.body !== undefined) headers['Content-Type'] = 'application/json'
    if (token) headers.Authorization = `Bearer ${token}`
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)
    return fetchOrThrow(path, { method, headers, body, credentials: apiCredentials() })
  }
  let res = await send(isAuth ? (await getAccessToken()).token : null)
  if (isAuth && res.status === 401) {
    const error = await toApiError(res)
    if (!RETRYABLE_AUTH.has(error.code)) throw error
    res = await send((await refreshAccessToken()).token)
  }
  if (!res.ok) throw await toApiError(res)
  if (res.status === 204) return undefined as T
  if (options.blob) return (await res.blob()) as T
  return (await res.json()) as T
}
