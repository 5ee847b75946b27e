import { CLOSE_CODES, PATHS, SUBPROTOCOL, type ClientFrame, type ServerFrame } from '../../../protocol'
import { reconnectDelayMs } from './backoff'
import { socketUrl } from './base'
import { getAccessToken, isSessionEnded, onAccessTokenChange, refreshAccessToken, TOKEN_EXPIRY_MARGIN_MS, type AccessToken } from './http'

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed'

/** The part of WebSocket this module uses, so tests can hand in a fake. */
export interface SocketLike {
  readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export interface RoomSocketOptions {
  chatId: number
  /** The highest seq already shown; the server replays everything after it on (re)connect. */
  getSinceSeq(): number
  onFrame(frame: ServerFrame): void
  onStatus(status: ConnectionStatus, closeCode?: number): void
  createSocket(url: string): SocketLike
  /** The current access token; null when signed out. Rejects on a transient failure (network, 5xx). */
  getToken(): Promise<AccessToken | null>
  /** A new access token (one refresh shared by all callers); null when the refresh was refused (signed out). */
  refreshToken(): Promise<AccessToken | null>
  isOnline(): boolean
  random?: () => number
  pingIntervalMs?: number
}

const OPEN = 1
const PING_INTERVAL_MS = 25_000
const PONG_TIMEOUT_MS = 10_000

/**
 * One chat's live connection: reconnects with backoff, resumes from the last seq it saw, renews
 * its token in place and stops for good when the user is no longer a member or is signed out.
 *
 * It never upgrades with a token it knows to be stale: one within TOKEN_EXPIRY_MARGIN_MS of its
 * expiry (wall clock, so a slept laptop counts), or one the room may have refused (4001/4002, or a
 * close before `ready`: a 401 upgrade shows to the browser only as 1006). It refreshes first.
 */
export class RoomSocket {
  private socket: SocketLike | null = null
  private attempt = 0
  private isStopped = false
  private hasConnected = false
  private hasReady = false
  private isConnecting = false
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private pingTimer: ReturnType<typeof setInterval> | undefined
  private pongTimer: ReturnType<typeof setTimeout> | undefined
  /** The token the current socket authenticated with (upgrade or `auth` frame). */
  private socketToken: AccessToken | null = null
  /** A renewal that arrived before `ready`; sent as an `auth` frame once the room is ready. */
  private pendingToken: AccessToken | null = null
  /** The token of an attempt the room may have refused; the next connect refreshes instead. */
  private suspectToken: string | null = null
  // An outage also closes before `ready`: that suspicion costs one refresh per run of failures.
  private hasRefreshedSinceReady = false

  constructor(private readonly options: RoomSocketOptions) {}

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN && this.hasReady
  }

  start(): void {
    this.options.onStatus('connecting')
    void this.connect()
  }

  stop(): void {
    this.isStopped = true
    clearTimeout(this.retryTimer)
    this.stopPing()
    const socket = this.socket
    this.socket = null
    if (socket) {
      socket.onclose = null
      socket.close(CLOSE_CODES.normal)
    }
  }

  /** Sends when the room is ready; returns false otherwise (the caller keeps it queued). */
  send(frame: ClientFrame): boolean {
    if (!this.isOpen || !this.socket) return false
    this.socket.send(JSON.stringify(frame))
    return true
  }

  /** A fresh access token: renew the open socket's authentication without reconnecting. */
  renewToken(token: AccessToken): void {
    if (token.token === this.socketToken?.token) return
    if (this.send({ type: 'auth', token: token.token })) this.socketToken = token
    else this.pendingToken = token
  }

  /** The browser went offline: drop the socket now instead of waiting for a timeout. */
  handleOffline(): void {
    if (this.isStopped) return
    this.options.onStatus('offline')
    this.socket?.close(CLOSE_CODES.normal)
  }

  /** The browser is back online: reconnect at once, skipping the backoff. */
  handleOnline(): void {
    if (this.isStopped || this.socket || this.isConnecting) return
    clearTimeout(this.retryTimer)
    this.attempt = 0
    this.options.onStatus('reconnecting')
    void this.connect()
  }

  /**
   * The page is visible again, maybe after sleep (timers ran late). A socket whose token expired
   * meanwhile was closed by the room (4001) even if no close event came: replace it now.
   */
  handleWake(): void {
    if (this.isStopped) return
    const socket = this.socket
    if (socket && this.socketToken && this.socketToken.expiresAtMs <= Date.now()) {
      socket.onclose = null
      socket.close(CLOSE_CODES.normal)
      return this.handleClose(CLOSE_CODES.tokenExpired)
    }
    if (!socket && !this.isConnecting && this.options.isOnline()) {
      clearTimeout(this.retryTimer)
      void this.connect()
    }
  }

  private async connect(): Promise<void> {
    if (this.isStopped || this.socket || this.isConnecting) return
    if (!this.options.isOnline()) {
      this.options.onStatus('offline')
      return
    }
    let token: AccessToken | null
    this.isConnecting = true
    try {
      token = await this.tokenToConnectWith()
    } catch {
      return this.scheduleRetry()
    } finally {
      this.isConnecting = false
    }
    if (token === null) return this.end()
    if (this.isStopped || this.socket) return
    const params = new URLSearchParams({ token: token.token, since: String(this.options.getSinceSeq()) })
    const socket = this.options.createSocket(`${PATHS.chatSocket(this.options.chatId)}?${params}`)
    this.socket = socket
    this.socketToken = token
    this.hasReady = false
    socket.onmessage = (ev) => this.handleMessage(ev.data)
    socket.onclose = (ev) => {
      if (this.socket === socket) this.handleClose(ev.code)
    }
    socket.onerror = () => {}
  }

  private async tokenToConnectWith(): Promise<AccessToken | null> {
    const token = await this.options.getToken()
    if (token === null) return null
    const isStale = token.token === this.suspectToken || token.expiresAtMs - Date.now() <= TOKEN_EXPIRY_MARGIN_MS
    if (!isStale) return token
    this.hasRefreshedSinceReady = true
    const fresh = await this.options.refreshToken()
    this.suspectToken = null
    return fresh
  }

  private handleMessage(data: unknown): void {
    if (typeof data !== 'string') return
    let frame: ServerFrame
    try {
      frame = JSON.parse(data) as ServerFrame
    } catch {
      return
    }
    this.clearPongTimer()
    if (frame.type === 'ready') {
      this.attempt = 0
      this.hasReady = true
      this.hasConnected = true
      this.hasRefreshedSinceReady = false
      this.startPing()
      const pending = this.pendingToken
      this.pendingToken = null
      if (pending && pending.expiresAtMs > (this.socketToken?.expiresAtMs ?? 0)) this.renewToken(pending)
      this.options.onStatus('open')
    }
    this.options.onFrame(frame)
  }

  private handleClose(code: number): void {
    const wasReady = this.hasReady
    const usedToken = this.socketToken?.token ?? null
    this.socket = null
    this.socketToken = null
    this.hasReady = false
    this.stopPing()
    if (this.isStopped) return
    if (code === CLOSE_CODES.notMember) {
      this.isStopped = true
      this.options.onStatus('closed', code)
      return
    }
    const isTokenRefused = code === CLOSE_CODES.tokenExpired || code === CLOSE_CODES.invalidToken
    if (isTokenRefused || (!wasReady && !this.hasRefreshedSinceReady)) this.suspectToken = usedToken
    if (isTokenRefused && wasReady) {
      this.options.onStatus('reconnecting', code)
      return void this.connect()
    }
    if (!this.options.isOnline()) {
      this.options.onStatus('offline', code)
      return
    }
    this.scheduleRetry(code)
  }

  /** Signed out: the refresh was refused. The app shows the sign-in page; nothing to retry. */
  private end(): void {
    this.stop()
    this.options.onStatus('closed')
  }

  private scheduleRetry(code?: number): void {
    if (this.isStopped) return
    this.options.onStatus(this.hasConnected ? 'reconnecting' : 'connecting', code)
    const delayMs = reconnectDelayMs(this.attempt++, this.options.random)
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => void this.connect(), delayMs)
  }

  // A half-open connection (laptop lid, flaky Wi-Fi) shows no close event; a missing pong does.
  private startPing(): void {
    this.stopPing()
    this.pingTimer = setInterval(() => {
      if (this.pongTimer !== undefined || !this.send({ type: 'ping' })) return
      this.pongTimer = setTimeout(() => this.socket?.close(CLOSE_CODES.normal), PONG_TIMEOUT_MS)
    }, this.options.pingIntervalMs ?? PING_INTERVAL_MS)
  }

  private stopPing(): void {
    clearInterval(this.pingTimer)
    this.clearPongTimer()
  }

  private clearPongTimer(): void {
    clearTimeout(this.pongTimer)
    this.pongTimer = undefined
  }
}

/** Opens a room socket on the API's origin (this page's by default), wired to the browser's online state and token renewals. */
export function connectRoom(
  options: Pick<RoomSocketOptions, 'chatId' | 'getSinceSeq' | 'onFrame' | 'onStatus'>,
): RoomConnection {
  const signedOutAsNull = (err: unknown) => {
    if (isSessionEnded(err)) return null
    throw err
  }
  const room = new RoomSocket({
    ...options,
    // Asking for edge-chat.v1 gets our frames; a socket without it is treated as the seed's client.
    createSocket: (path) => new WebSocket(socketUrl(path), [SUBPROTOCOL]) as unknown as SocketLike,
    getToken: () => getAccessToken().catch(signedOutAsNull),
    refreshToken: () => refreshAccessToken().catch(signedOutAsNull),
    isOnline: () => navigator.onLine,
  })
  const online = () => room.handleOnline()
  const offline = () => room.handleOffline()
  const wake = () => document.visibilityState === 'visible' && room.handleWake()
  window.addEventListener('online', online)
  window.addEventListener('offline', offline)
  document.addEventListener('visibilitychange', wake)
  const stopListening = onAccessTokenChange((token) => token && room.renewToken(token))
  room.start()
  return {
    send: (frame) => room.send(frame),
    stop: () => {
      window.removeEventListener('online', online)
      window.removeEventListener('offline', offline)
      document.removeEventListener('visibilitychange', wake)
      stopListening()
      room.stop()
    },
  }
}

export interface RoomConnection {
  /** False when the room is not ready; the caller keeps the frame queued. */
  send(frame: ClientFrame): boolean
  stop(): void
}
