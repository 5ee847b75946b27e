import { PATHS, type ErrorCode, type RefreshResponse } from '../../../protocol'
import { ApiError, toApiError } from './errors'
import { singleFlight, withCrossTabLock } from './single-flight'

// The access token lives only in this module's memory: script injected into the page cannot lift
// it from storage after the fact, and a reload costs one refresh (docs/web-client.md).
let accessToken: string | null = null
let refreshTimer: ReturnType<typeof setTimeout> | undefined
const tokenListeners = new Set<(token: string | null) => void>()
const sessionEndListeners = new Set<() => void>()

/** Renew this long before the access token expires, so requests rarely meet a 401. */
const REFRESH_EARLY_MS = 60_000
const RETRYABLE_AUTH: ReadonlySet<ErrorCode | 'network'> = new Set(['token_expired', 'invalid_token', 'missing_token'])

export function setAccessToken(token: string, expiresInSeconds: number): void {
  accessToken = token
  clearTimeout(refreshTimer)
  const delayMs = Math.max(5_000, expiresInSeconds * 1000 - REFRESH_EARLY_MS)
  refreshTimer = setTimeout(() => void refreshAccessToken().catch(() => {}), delayMs)
  for (const listener of tokenListeners) listener(token)
}

export function clearAccessToken(): void {
  accessToken = null
  clearTimeout(refreshTimer)
  for (const listener of tokenListeners) listener(null)
}

export function onAccessTokenChange(listener: (token: string | null) => void): () => void {
  tokenListeners.add(listener)
  return () => tokenListeners.delete(listener)
}

/** Called when the refresh cookie is no longer accepted: the user must sign in again. */
export function onSessionEnd(listener: () => void): () => void {
  sessionEndListeners.add(listener)
  return () => sessionEndListeners.delete(listener)
}

async function postRefresh(): Promise<RefreshResponse> {
  const res = await fetchOrThrow(PATHS.refresh, { method: 'POST', credentials: 'same-origin' })
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
    if (err instanceof ApiError && err.status === 401) {
      clearAccessToken()
      for (const listener of sessionEndListeners) listener()
    }
    throw err
  }
})

export async function refreshAccessToken(): Promise<string> {
  return (await refreshSession()).access_token
}

/** A valid-looking access token, refreshing first when there is none. */
export async function getAccessToken(): Promise<string> {
  return accessToken ?? (await refreshAccessToken())
}

async function fetchOrThrow(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init)
  } catch {
    throw new ApiError('network', 'network error')
  }
}

export interface RequestOptions {
  body?: unknown
  /** Send the access token, and refresh then retry once on a token error. Default true. */
  auth?: boolean
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const isAuth = options.auth ?? true
  const send = async (token: string | null) => {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (options.body !== undefined) headers['Content-Type'] = 'application/json'
    if (token) headers.Authorization = `Bearer ${token}`
    const body = options.body === undefined ? undefined : JSON.stringify(options.body)
    return fetchOrThrow(path, { method, headers, body, credentials: 'same-origin' })
  }
  let res = await send(isAuth ? await getAccessToken() : null)
  if (isAuth && res.status === 401) {
    const error = await toApiError(res)
    if (!RETRYABLE_AUTH.has(error.code)) throw error
    res = await send(await refreshAccessToken())
  }
  if (!res.ok) throw await toApiError(res)
  if (res.status === 204) return undefined as T
  return (await res.json()) as T
}
