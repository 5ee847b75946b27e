import { CLOSE_CODES } from '../../../protocol'
import { reconnectDelayMs } from './backoff'
import { TOKEN_EXPIRY_MARGIN_MS, type AccessToken } from './http'

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

/** What every socket of ours shares: the server speaks first with `ready`, renews with `auth`, answers `ping`. */
export interface LiveSocketOptions<In extends { type: string }> {
  /** The upgrade's path and query for this access token (a browser cannot set headers on an upgrade). */
  url(token: string): string
  onFrame(frame: In): void
  onStatus(status: ConnectionStatus, closeCode?: number): void
  createSocket(url: string, protocols?: string[]): SocketLike
  /**
   * Subprotocols to offer (RFC 6455 §1.9, `Sec-WebSocket-Protocol`). A browser fails the handshake
   * when the server selects none of them, so offer one only to a server that speaks it.
   */
  protocols?: string[]
  /** The current access token; null when signed out. Rejects on a transient failure (network, 5xx). */
  getToken(): Promise<AccessToken | null>
  /** A new access token (one refresh shared by all callers); null when the refresh was refused (signed out). */
  refreshToken(): Promise<AccessToken | null>
  isOnline(): boolean
  /** Close codes after which reconnecting cannot help (a room's 4003): the socket stops with 'closed'. */
  finalCloseCodes?: readonly number[]
  random?: () => number
  pingIntervalMs?: number
}

const OPEN = 1
const PING_INTERVAL_MS = 25_000
const PONG_TIMEOUT_MS = 10_000

/**
 * One live connection: reconnects with backoff, renews its token in place and stops for good on a
 * final close code or when the user is signed out. `In` are the server's frames, `Out` the client's
 * (`auth` and `ping` are sent by this class).
 *
 * It never upgrades with a token it knows to be stale: one within TOKEN_EXPIRY_MARGIN_MS of its
 * expiry (wall clock, so a slept laptop counts), or one the server may have refused (4001/4002/4006, or a
 * close before `ready`: a 401 upgrade shows to the browser only as 1006). It refreshes first.
 */
export class LiveSocket<In extends { type: string }, Out extends object> {
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
  /** A renewal that arrived before `ready`; sent as an `auth` frame once the server is ready. */
  private pendingToken: AccessToken | null = null
  /** The token of an attempt the server may have refused; the next connect refreshes instead. */
  private suspectToken: string | null = null
  // An outage also closes before `ready`: that suspicion costs one refresh per run of failures.
  private hasRefreshedSinceReady = false

  constructor(private readonly options: LiveSocketOptions<In>) {}

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

  /** Sends when the server is ready; returns false otherwise (the caller keeps it queued). */
  send(frame: Out): boolean {
    return this.sendFrame(frame)
  }

  /** A fresh access token: renew the open socket's authentication without reconnecting. */
  renewToken(token: AccessToken): void {
    if (token.token === this.socketToken?.token) return
    if (this.sendFrame({ type: 'auth', token: token.token })) this.socketToken = token
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
   * meanwhile was closed by the server (4001) even if no close event came: replace it now.
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

  private sendFrame(frame: object): boolean {
    if (!this.isOpen || !this.socket) return false
    this.socket.send(JSON.stringify(frame))
    return true
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
    const socket = this.options.createSocket(this.options.url(token.token), this.options.protocols)
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
    let frame: In
    try {
      frame = JSON.parse(data) as In
    } catch {
      return
    }
    if (typeof frame !== 'object' || frame === null) return
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
    if (this.options.finalCloseCodes?.includes(code)) {
      this.isStopped = true
      this.options.onStatus('closed', code)
      return
    }
    // 4006 (session revoked) as 4001: the refresh that follows is refused too, which signs the user out.
    const isTokenRefused = code === CLOSE_CODES.tokenExpired || code === CLOSE_CODES.invalidToken || code === CLOSE_CODES.sessionRevoked
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
      if (this.pongTimer !== undefined || !this.sendFrame({ type: 'ping' })) return
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
