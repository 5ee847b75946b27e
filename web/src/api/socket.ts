import { CLOSE_CODES, PATHS, type ClientFrame, type ServerFrame } from '../../../protocol'
import { reconnectDelayMs } from './backoff'
import { getAccessToken, onAccessTokenChange, refreshAccessToken } from './http'

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
  getToken(): Promise<string>
  refreshToken(): Promise<string>
  isOnline(): boolean
  random?: () => number
  pingIntervalMs?: number
}

const OPEN = 1
const PING_INTERVAL_MS = 25_000
const PONG_TIMEOUT_MS = 10_000

/**
 * One chat's live connection: reconnects with backoff, resumes from the last seq it saw, renews
 * its token in place and stops for good when the user is no longer a member.
 */
export class RoomSocket {
  private socket: SocketLike | null = null
  private attempt = 0
  private isStopped = false
  private hasConnected = false
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private pingTimer: ReturnType<typeof setInterval> | undefined
  private pongTimer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly options: RoomSocketOptions) {}

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN && this.hasReady
  }
  private hasReady = false
  private isConnecting = false

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
  renewToken(token: string): void {
    this.send({ type: 'auth', token })
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

  private async connect(token?: string): Promise<void> {
    if (this.isStopped) return
    if (!this.options.isOnline()) {
      this.options.onStatus('offline')
      return
    }
    let accessToken: string
    this.isConnecting = true
    try {
      accessToken = token ?? (await this.options.getToken())
    } catch {
      return this.scheduleRetry()
    } finally {
      this.isConnecting = false
    }
    if (this.isStopped || this.socket) return
    const params = new URLSearchParams({ token: accessToken, since: String(this.options.getSinceSeq()) })
    const socket = this.options.createSocket(`${PATHS.chatSocket(this.options.chatId)}?${params}`)
    this.socket = socket
    this.hasReady = false
    socket.onmessage = (ev) => this.handleMessage(ev.data)
    socket.onclose = (ev) => {
      if (this.socket === socket) void this.handleClose(ev.code)
    }
    socket.onerror = () => {}
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
      this.startPing()
      this.options.onStatus('open')
    }
    this.options.onFrame(frame)
  }

  private async handleClose(code: number): Promise<void> {
    this.socket = null
    this.hasReady = false
    this.stopPing()
    if (this.isStopped) return
    if (code === CLOSE_CODES.notMember) {
      this.isStopped = true
      this.options.onStatus('closed', code)
      return
    }
    if (code === CLOSE_CODES.tokenExpired || code === CLOSE_CODES.invalidToken) {
      this.options.onStatus('reconnecting', code)
      try {
        return await this.connect(await this.options.refreshToken())
      } catch {
        return this.scheduleRetry()
      }
    }
    if (!this.options.isOnline()) {
      this.options.onStatus('offline', code)
      return
    }
    this.scheduleRetry(code)
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

/** Opens a room socket on this page's origin, wired to the browser's online state and token renewals. */
export function connectRoom(
  options: Pick<RoomSocketOptions, 'chatId' | 'getSinceSeq' | 'onFrame' | 'onStatus'>,
): RoomConnection {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const room = new RoomSocket({
    ...options,
    createSocket: (path) => new WebSocket(`${scheme}//${location.host}${path}`) as unknown as SocketLike,
    getToken: getAccessToken,
    refreshToken: refreshAccessToken,
    isOnline: () => navigator.onLine,
  })
  const online = () => room.handleOnline()
  const offline = () => room.handleOffline()
  window.addEventListener('online', online)
  window.addEventListener('offline', offline)
  const stopListening = onAccessTokenChange((token) => token && room.renewToken(token))
  room.start()
  return {
    send: (frame) => room.send(frame),
    stop: () => {
      window.removeEventListener('online', online)
      window.removeEventListener('offline', offline)
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
