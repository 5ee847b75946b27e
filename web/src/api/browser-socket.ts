import { socketUrl } from './base'
import { getAccessToken, isSessionEnded, onAccessTokenChange, refreshAccessToken } from './http'
import type { LiveSocket, LiveSocketOptions, SocketLike } from './live-socket'

/** The browser-side options every live socket shares: the API origin's socket URL (`base.ts`), the shared token, navigator.onLine. */
export function browserSocketOptions(): Pick<LiveSocketOptions<never>, 'createSocket' | 'getToken' | 'refreshToken' | 'isOnline'> {
  const signedOutAsNull = (err: unknown) => {
    if (isSessionEnded(err)) return null
    throw err
  }
  return {
    createSocket: (path, protocols) => new WebSocket(socketUrl(path), protocols) as unknown as SocketLike,
    getToken: () => getAccessToken().catch(signedOutAsNull),
    refreshToken: () => refreshAccessToken().catch(signedOutAsNull),
    isOnline: () => navigator.onLine,
  }
}

/** The part of LiveSocket the browser's events drive. */
type BrowserDriven = Pick<LiveSocket<{ type: string }, object>, 'start' | 'stop' | 'handleOnline' | 'handleOffline' | 'handleWake' | 'renewToken'>

/**
 * Starts `live` wired to the browser: `online`/`offline`, waking (visibilitychange) and token
 * renewals. Returns the function that stops it and removes every listener.
 */
export function runInBrowser(live: BrowserDriven): () => void {
  const online = () => live.handleOnline()
  const offline = () => live.handleOffline()
  const wake = () => document.visibilityState === 'visible' && live.handleWake()
  window.addEventListener('online', online)
  window.addEventListener('offline', offline)
  document.addEventListener('visibilitychange', wake)
  const stopListening = onAccessTokenChange((token) => token && live.renewToken(token))
  live.start()
  return () => {
    window.removeEventListener('online', online)
    window.removeEventListener('offline', offline)
    document.removeEventListener('visibilitychange', wake)
    stopListening()
    live.stop()
  }
}
