import { exports } from 'cloudflare:workers'
import type { ErrorBody, ErrorCode } from '../../protocol/errors'
import type { LoginResponse, RegisterResponse } from '../../protocol/http'
import type { ServerFrame } from '../../protocol/socket'

export const ORIGIN = 'http://chat.test'

/** Calls the worker exactly as a client would, through its fetch handler. */
export function api(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(new URL(path, ORIGIN), init))
}

export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) }
}

export function form(body: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  }
}

export function authed(token: string, init: RequestInit = {}): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` } }
}

/** The refresh token from a response's Set-Cookie, as a `Cookie` header value (null when none or cleared). */
export function refreshCookie(res: Response): string | null {
  const header = res.headers.getSetCookie().find((c) => c.startsWith('refresh_token='))
  const value = header?.split(';')[0]
  return value && value !== 'refresh_token=' ? value : null
}

/** Asserts the one error shape and returns its code. */
export async function errorCode(res: Response): Promise<ErrorCode> {
  const body = (await res.json()) as ErrorBody
  if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string') {
    throw new Error(`not an error body: ${JSON.stringify(body)}`)
  }
  return body.error.code
}

let counter = 0
/** A name no other test uses, so tests never depend on each other's rows. */
export function uniqueName(label = 'user'): string {
  counter += 1
  return `${label}${counter}_${crypto.randomUUID().slice(0, 8)}`
}

export interface TestUser {
  id: number
  username: string
  email: string
  password: string
  accessToken: string
  /** `refresh_token=...` for a Cookie header. */
  cookie: string
}

/** Registers and signs in a fresh user through the real routes. */
export async function signUp(label = 'user'): Promise<TestUser> {
  const username = uniqueName(label)
  const email = `${username.toLowerCase()}@example.test`
  const password = `pw-${crypto.randomUUID()}`
  const reg = await api('/reg_user/', json({ Username: username, Email: email, Password: password }))
  if (reg.status !== 201) throw new Error(`sign-up failed: ${reg.status} ${await reg.text()}`)
  const { data } = (await reg.json()) as RegisterResponse
  const login = await api('/login/', json({ Email: email, Password: password }))
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`)
  const body = (await login.json()) as LoginResponse
  return { id: data.Userid, username, email, password, accessToken: body.access_token, cookie: refreshCookie(login)! }
}

/**
 * Resolves with the first frame from `ws` matching `predicate`, or rejects after `timeoutMs` naming
 * what it waited for. Attach before triggering the frame; frames already delivered are not replayed.
 */
export function nextFrame<T extends ServerFrame = ServerFrame>(
  ws: WebSocket,
  predicate: (frame: ServerFrame) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.removeEventListener('message', onMessage)
      reject(new Error(`no matching frame within ${timeoutMs} ms (${predicate.toString()})`))
    }, timeoutMs)
    function onMessage(event: MessageEvent) {
      if (typeof event.data !== 'string') return
      const frame = JSON.parse(event.data) as ServerFrame
      if (!predicate(frame)) return
      clearTimeout(timer)
      ws.removeEventListener('message', onMessage)
      resolve(frame as T)
    }
    ws.addEventListener('message', onMessage)
  })
}
