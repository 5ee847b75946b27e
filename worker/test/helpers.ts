import { env, exports } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { expect } from 'vitest'
import type { ErrorBody, ErrorCode } from '../../protocol/errors'
import type { HistoryResponse, LoginResponse, MessageBody, RegisterResponse } from '../../protocol/http'
import { SUBPROTOCOL, type MessageFrame, type ServerFrame } from '../../protocol/socket'
import type { RoomGate } from '../chats/chats'
import type { ChatRoom } from '../rooms/object/chat-room'

export const ORIGIN = 'http://chat.test'

/** The chat's room (`ChatRoom` Durable Object), by the name the worker reaches it by. */
export function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

/**
 * Hands `frames` from `userId`'s socket to the live room in one synchronous burst, so they reach its
 * outbox together: the first commits alone, the rest pile up behind it as the next batch.
 */
export async function burstIntoRoom(chatId: number, userId: number, frames: object[]): Promise<void> {
  await runInDurableObject(roomOf(chatId), async (instance: ChatRoom, state) => {
    const [ws] = state.getWebSockets(String(userId))
    await Promise.all(frames.map((f) => instance.webSocketMessage(ws!, JSON.stringify(f))))
  })
}

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

/**
 * Moves the ids the next sign-ups get to a random range of their own. The rate limiters keyed by user
 * id (JOIN_LIMITER, UPLOAD_LIMITER, LOGIN_LIMITER's password attempts) are shared by every test file,
 * while each file's fresh database hands out ids from 1 again: a rate-limit test would otherwise count
 * another file's calls (the fuzz suite's wrong passwords, for one).
 */
export async function freshUserIds(): Promise<void> {
  const id = 1_000_000 + Math.floor(Math.random() * 1_000_000_000)
  await env.DB.prepare("INSERT INTO users (id, username, email, password_hash, created_at_ms) VALUES (?, ?, ?, '', 0)").bind(id, `seq${id}`, `seq${id}@example.test`).run()
}

/**
 * Calls `attempt(i)` until it answers 429, at most 2 x `limit` + 1 times, and returns every status.
 * The local rate limiter (miniflare's) counts in fixed windows aligned to the clock (epoch ms /
 * period), so a test that crosses a window's edge starts counting again, once: 2 x `limit` + 1 calls
 * reach the limit either way. Assert with {@link expectLimitedAfter}.
 */
export async function callUntilLimited(limit: number, attempt: (i: number) => Promise<Response>): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < 2 * limit + 1 && statuses.at(-1) !== 429; i++) statuses.push((await attempt(i)).status)
  return statuses
}

/** The statuses of {@link callUntilLimited}: `allowed` for at least `limit` calls, then one 429. */
export function expectLimitedAfter(statuses: number[], limit: number, allowed: number): void {
  expect(statuses.at(-1), `statuses ${statuses.join(',')}`).toBe(429)
  expect(statuses.length, `statuses ${statuses.join(',')}`).toBeGreaterThan(limit)
  expect(statuses.slice(0, -1).every((s) => s === allowed), `statuses ${statuses.join(',')}`).toBe(true)
}

// Rooms and chats (issue #3)

/** A socket recording its frames (`F`: the room's ServerFrame by default, or the channel's). */
export interface TestSocket<F extends { type: string } = ServerFrame> {
  ws: WebSocket
  /** Every frame received so far, in order. */
  frames: F[]
  /** The first frame, already received or still to come, matching `predicate`; rejects after `timeoutMs`. */
  waitFor<T extends F = F>(predicate: (frame: F) => boolean, timeoutMs?: number): Promise<T>
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>
  send(frame: unknown): void
}

export function socketPath(chatId: number, token: string, since?: number): string {
  const query = new URLSearchParams({ token })
  if (since !== undefined) query.set('since', String(since))
  return `/ws/chat/${chatId}/?${query}`
}

export function upgrade(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return api(path, { headers: { Upgrade: 'websocket', ...headers } })
}

/**
 * Opens a room socket and records every frame from the first one on, so none is missed. It offers
 * `edge-chat.v1` unless `subprotocol` says otherwise (null: no header, a client of the seed's API).
 */
export async function openSocket(chatId: number, token: string, options: { since?: number; subprotocol?: string | null } = {}): Promise<TestSocket> {
  const offer = options.subprotocol === undefined ? SUBPROTOCOL : options.subprotocol
  const res = await upgrade(socketPath(chatId, token, options.since), offer === null ? { Origin: ORIGIN } : { Origin: ORIGIN, 'Sec-WebSocket-Protocol': offer })
  return recordSocket(res)
}

/** Accepts the socket of a 101 response and records every frame it receives. */
export async function recordSocket<F extends { type: string } = ServerFrame>(res: Response): Promise<TestSocket<F>> {
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`)
  const ws = res.webSocket
  const frames: F[] = []
  const waiters = new Set<() => void>()
  ws.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') return
    frames.push(JSON.parse(event.data) as F)
    for (const wake of waiters) wake()
  })
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (event) => resolve(event.code)))
  ws.accept()
  function waitFor<T extends F>(predicate: (frame: F) => boolean, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = frames.find(predicate)
        if (!found) return
        clearTimeout(timer)
        waiters.delete(check)
        resolve(found as T)
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`no matching frame within ${timeoutMs} ms (${predicate.toString()}); got ${JSON.stringify(frames)}`))
      }, timeoutMs)
      waiters.add(check)
      check()
    })
  }
  return { ws, frames, waitFor, closed, send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)) }
}

/** Resolves with the close code, or rejects after `timeoutMs`. */
export function closeCode(socket: { closed: Promise<number> }, timeoutMs = 5000): Promise<number> {
  return Promise.race([
    socket.closed,
    new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs)),
  ])
}

/** Creates a group owned by `owner` through the real route and returns its id. */
export async function createGroup(owner: TestUser, visibility: 'public' | 'private' = 'public'): Promise<number> {
  const res = await api('/chat/create/', authed(owner.accessToken, json({ is_group: true, name: uniqueName('group'), visibility })))
  if (res.status !== 201) throw new Error(`create group failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { chat_id: number }).chat_id
}

/** Adds `user` to the group as its owner/admin `by`. */
export async function addToGroup(chatId: number, by: TestUser, user: TestUser): Promise<void> {
  const res = await api(`/chat/${chatId}/add/`, authed(by.accessToken, json({ user_id: user.id })))
  if (res.status !== 201 && res.status !== 200) throw new Error(`add member failed: ${res.status} ${await res.text()}`)
}

/** Sends a message over REST and returns its seq. */
export async function sendMessage(chatId: number, user: TestUser, message: string, clientId?: string): Promise<number> {
  const res = await api(`/chat/${chatId}/send/`, authed(user.accessToken, json({ message, client_id: clientId })))
  if (res.status !== 201 && res.status !== 200) throw new Error(`send failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { message: { seq: number } }).message.seq
}

/**
 * The room's last seq, straight from its storage. A group's log does not start empty (its `created`
 * and `added` system messages each take a seq), so a test counts its own messages' seqs from this,
 * read after its setup.
 */
export function lastSeqOf(chatId: number): Promise<number> {
  return env.CHAT_ROOM.getByName(String(chatId)).lastSeq()
}

/** Members' messages only: leaves out system messages (`kind: "system"`), for tests that mean messages. */
export function memberMessages<T extends { kind?: string }>(messages: T[]): T[] {
  return messages.filter((m) => m.kind === 'message')
}

/** The `message` frames a socket received that carry a member's message (no system messages). */
export function messageFrames(frames: ServerFrame[]): MessageFrame[] {
  return frames.filter((f): f is MessageFrame => f.type === 'message' && f.kind === 'message')
}

/** The first history page of a chat as `user` reads it (GET /chat/<id>/history/), members' messages only. */
export async function historyMessages(chatId: number, user: TestUser): Promise<MessageBody[]> {
  const res = await api(`/chat/${chatId}/history/`, authed(user.accessToken))
  if (res.status !== 200) throw new Error(`history failed: ${res.status} ${await res.text()}`)
  return memberMessages(((await res.json()) as HistoryResponse).messages)
}

type RoomCalls = ReturnType<RoomGate['getByName']>

/**
 * The chats' real rooms (`env.CHAT_ROOM`) as the RoomGate a membership change takes, with the calls
 * `overrides` returns replacing the real ones (which it gets, to call them itself): to act between two
 * steps of a membership change, e.g. right after the room's `admit` and before the D1 write.
 */
export function roomGate(overrides: (room: RoomCalls) => Partial<RoomCalls> = () => ({})): RoomGate {
  return {
    getByName: (name) => {
      const stub = env.CHAT_ROOM.getByName(name)
      const real: RoomCalls = {
        admit: (userId) => stub.admit(userId),
        undoAdmission: (userId, admission) => stub.undoAdmission(userId, admission),
        removeMember: (userId) => stub.removeMember(userId),
        destroy: () => stub.destroy(),
        closeSessions: (userId, sessionIds, untilMs) => stub.closeSessions(userId, sessionIds, untilMs),
      }
      return { ...real, ...overrides(real) }
    },
  }
}
