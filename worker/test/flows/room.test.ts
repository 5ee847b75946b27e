import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { MESSAGE_MAX_CHARS } from '../../../protocol/http'
import { CLOSE_CODES, MAX_FRAME_BYTES, type AckFrame, type MessageFrame, type ReadyFrame } from '../../../protocol/socket'
import { issueAccessToken } from '../../auth/access-tokens'
import { loadConfig } from '../../config'
import type { SocketAttachment } from '../../rooms/member'
import { forgetSocket } from '../../rooms/object/sockets'
import {
  addToGroup,
  api,
  authed,
  json,
  closeCode,
  createGroup,
  errorCode,
  lastSeqOf,
  openSocket,
  sendMessage,
  signUp,
  socketPath,
  upgrade,
  type TestUser,
} from '../helpers'

const isMessage = (seq: number) => (f: { type: string; seq?: number }) => f.type === 'message' && f.seq === seq

/** A group of `count` fresh users; `base` is its last seq after setup (its system messages), which the tests' seqs count from. */
async function groupWith(count: number): Promise<{ chatId: number; users: TestUser[]; base: number }> {
  const users = await Promise.all(Array.from({ length: count }, (_, i) => signUp(`room${i}`)))
  const chatId = await createGroup(users[0]!)
  for (const user of users.slice(1)) await addToGroup(chatId, users[0]!, user)
  return { chatId, users, base: await lastSeqOf(chatId) }
}

function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

describe('GET /ws/chat/<id>/ (upgrade)', () => {
  it('refuses a non-member, a foreign Origin, a missing or bad token and a missing chat', async () => {
    const { chatId, users } = await groupWith(1)
    const stranger = await signUp('stranger')
    const token = users[0]!.accessToken
    expect(await errorCode(await upgrade(socketPath(chatId, stranger.accessToken)))).toBe('not_member')
    const foreign = await upgrade(socketPath(chatId, token), { Origin: 'https://evil.example' })
    expect(foreign.status).toBe(403)
    expect(await errorCode(foreign)).toBe('cross_origin')
    expect(await errorCode(await upgrade(`/ws/chat/${chatId}/`))).toBe('missing_token')
    expect(await errorCode(await upgrade(socketPath(chatId, 'not.a.token')))).toBe('invalid_token')
    expect(await errorCode(await upgrade(socketPath(999999, token)))).toBe('not_found')
    expect(await errorCode(await upgrade(`/ws/chat/abc/?token=${token}`))).toBe('invalid_request')
    expect(await errorCode(await upgrade(`${socketPath(chatId, token)}&since=-1`))).toBe('invalid_request')
  })

  it('refuses a plain GET without the upgrade header', async () => {
    const { chatId, users } = await groupWith(1)
    expect(await errorCode(await api(socketPath(chatId, users[0]!.accessToken)))).toBe('invalid_request')
  })

  it('ignores a member header sent by the client', async () => {
    const { chatId, users } = await groupWith(2)
    const stranger = await signUp('forger')
    const forged = JSON.stringify({ userId: users[1]!.id, username: 'x', tokenExpiresAtMs: Date.now() + 60_000 })
    const res = await upgrade(socketPath(chatId, stranger.accessToken), { 'X-Chat-Member': forged })
    expect(await errorCode(res)).toBe('not_member')
  })
})

describe('room messaging', () => {
  it('delivers messages live to both members and acks the sender', async () => {
    const { chatId, users, base } = await groupWith(2)
    const [a, b] = users as [TestUser, TestUser]
    const sa = await openSocket(chatId, a.accessToken)
    const sb = await openSocket(chatId, b.accessToken)
    const ready = await sa.waitFor<ReadyFrame>((f) => f.type === 'ready')
    expect(base).toBeGreaterThan(0)
    expect(ready).toMatchObject({ chat_id: chatId, user_id: a.id, last_seq: base })
    sa.send({ type: 'send', client_id: 'c1', text: 'hello b' })
    const atB = await sb.waitFor<MessageFrame>(isMessage(base + 1))
    expect(atB).toMatchObject({ sender: a.username, sender_id: a.id, message: 'hello b', chat_id: chatId, client_id: 'c1', seq: base + 1, kind: 'message' })
    expect(typeof atB.id).toBe('string')
    expect(Date.parse(atB.created_at)).not.toBeNaN()
    expect(await sa.waitFor<AckFrame>((f) => f.type === 'ack')).toMatchObject({ client_id: 'c1', seq: base + 1, duplicate: false, id: atB.id })
    sb.send({ message: 'seed frame works' })
    expect(await sa.waitFor<MessageFrame>(isMessage(base + 2))).toMatchObject({ sender: b.username, message: 'seed frame works', client_id: null })
  })

  it('stores a duplicate client_id once and acks it again', async () => {
    const { chatId, users, base } = await groupWith(2)
    const sa = await openSocket(chatId, users[0]!.accessToken)
    const sb = await openSocket(chatId, users[1]!.accessToken)
    sa.send({ type: 'send', client_id: 'dup', text: 'once' })
    sa.send({ type: 'send', client_id: 'dup', text: 'once' })
    await sa.waitFor((f) => f.type === 'ack' && f.duplicate === true)
    sa.send({ type: 'send', client_id: 'next', text: 'after' })
    await sb.waitFor(isMessage(base + 2))
    await sa.waitFor((f) => f.type === 'ack' && f.client_id === 'next')
    expect(sb.frames.filter((f) => f.type === 'message').map((f) => f.type === 'message' && f.message)).toEqual(['once', 'after'])
    const acks = sa.frames.filter((f): f is AckFrame => f.type === 'ack')
    expect(acks.map((f) => [f.client_id, f.seq, f.duplicate])).toEqual([
      ['dup', base + 1, false],
      ['dup', base + 1, true],
      ['next', base + 2, false],
    ])
    expect(await roomOf(chatId).lastSeq()).toBe(base + 2)
  })

  it('broadcasts a REST send to connected members', async () => {
    const { chatId, users, base } = await groupWith(2)
    const sb = await openSocket(chatId, users[1]!.accessToken)
    await sendMessage(chatId, users[0]!, 'over http')
    expect(await sb.waitFor<MessageFrame>(isMessage(base + 1))).toMatchObject({ message: 'over http', sender_id: users[0]!.id })
  })

  it('answers bad frames with an error frame and keeps the socket open', async () => {
    const { chatId, users, base } = await groupWith(1)
    const s = await openSocket(chatId, users[0]!.accessToken)
    const bad = ['not json', '{"type":"shout"}', '{"type":"send","text":""}', JSON.stringify({ type: 'send', text: 'x'.repeat(MESSAGE_MAX_CHARS + 1) })]
    for (const frame of bad) s.send(frame)
    s.ws.send(new Uint8Array([1, 2, 3]))
    s.send({ type: 'send', client_id: 'bad id', text: 'x' })
    s.send({ type: 'ping' })
    await s.waitFor((f) => f.type === 'pong')
    const errors = () => s.frames.filter((f) => f.type === 'error').map((f) => f.type === 'error' && f.code)
    await s.waitFor(() => errors().length === 6)
    expect(errors().sort()).toEqual(['invalid_json', 'invalid_request', 'invalid_request', 'invalid_request', 'invalid_request', 'invalid_request'])
    expect(await roomOf(chatId).lastSeq()).toBe(base)
    s.send({ type: 'send', text: 'still here' })
    await s.waitFor(isMessage(base + 1))
  })

  it('closes with 1009 on a frame over MAX_FRAME_BYTES', async () => {
    const { chatId, users, base } = await groupWith(1)
    const s = await openSocket(chatId, users[0]!.accessToken)
    s.send({ type: 'send', text: 'é'.repeat(MAX_FRAME_BYTES) })
    expect(await closeCode(s)).toBe(CLOSE_CODES.tooBig)
    expect(await roomOf(chatId).lastSeq()).toBe(base)
  })

  it('warns a flood with rate_limited frames, then closes it with 4029', async () => {
    const { chatId, users } = await groupWith(1)
    const s = await openSocket(chatId, users[0]!.accessToken)
    for (let i = 0; i < 400; i++) s.send({ type: 'ping' })
    expect(await closeCode(s)).toBe(CLOSE_CODES.rateLimited)
    expect(s.frames.some((f) => f.type === 'error' && f.code === 'rate_limited')).toBe(true)
  })

  it('relays typing to the other members only, without storing it', async () => {
    const { chatId, users, base } = await groupWith(2)
    const sa = await openSocket(chatId, users[0]!.accessToken)
    const sb = await openSocket(chatId, users[1]!.accessToken)
    sa.send({ type: 'typing' })
    sa.send({ type: 'ping' })
    expect(await sb.waitFor((f) => f.type === 'typing')).toEqual({ type: 'typing', user_id: users[0]!.id, username: users[0]!.username })
    await sa.waitFor((f) => f.type === 'pong')
    expect(sa.frames.some((f) => f.type === 'typing')).toBe(false)
    expect(await roomOf(chatId).lastSeq()).toBe(base)
  })

  it('reciprocates a client close', async () => {
    const { chatId, users } = await groupWith(1)
    const s = await openSocket(chatId, users[0]!.accessToken)
    s.ws.close(4000, 'bye')
    expect(await closeCode(s)).toBe(4000)
    const quiet = await openSocket(chatId, users[0]!.accessToken)
    quiet.ws.close()
    expect([1000, 1005]).toContain(await closeCode(quiet))
  })
})

describe('room resume', () => {
  it('replays exactly the missed messages once, in order, then live traffic', async () => {
    const { chatId, users, base } = await groupWith(2)
    const [a, b] = users as [TestUser, TestUser]
    const first = await openSocket(chatId, b.accessToken)
    await sendMessage(chatId, a, 'm1')
    await first.waitFor(isMessage(base + 1))
    first.ws.close(1000)
    await closeCode(first)
    for (const text of ['m2', 'm3', 'm4']) await sendMessage(chatId, a, text)
    const again = await openSocket(chatId, b.accessToken, { since: base + 1 })
    await again.waitFor((f) => f.type === 'resumed' && f.last_seq === base + 4)
    await sendMessage(chatId, a, 'm5')
    await again.waitFor(isMessage(base + 5))
    const seen = again.frames.filter((f): f is MessageFrame => f.type === 'message').map((f) => [f.seq, f.message])
    expect(seen).toEqual([
      [base + 2, 'm2'],
      [base + 3, 'm3'],
      [base + 4, 'm4'],
      [base + 5, 'm5'],
    ])
    expect(again.frames.map((f) => f.type)).toEqual(['ready', 'message', 'message', 'message', 'resumed', 'message'])
  })

  it('neither loses nor doubles a message stored while the replay runs', async () => {
    const { chatId, users, base } = await groupWith(2)
    const [a, b] = users as [TestUser, TestUser]
    for (let i = 1; i <= 30; i++) await sendMessage(chatId, a, `old ${i}`)
    const sa = await openSocket(chatId, a.accessToken)
    for (let i = 1; i <= 10; i++) sa.send({ type: 'send', client_id: `live-${i}`, text: `live ${i}` })
    const sb = await openSocket(chatId, b.accessToken, { since: 0 })
    await sb.waitFor(isMessage(base + 40))
    await sa.waitFor((f) => f.type === 'ack' && f.client_id === 'live-10')
    // The whole log from seq 1: the setup's system messages, then the 40 messages.
    const seqs = sb.frames.filter((f): f is MessageFrame => f.type === 'message').map((f) => f.seq)
    expect(seqs).toEqual(Array.from({ length: base + 40 }, (_, i) => i + 1))
  })

  it('replays on a resume frame', async () => {
    const { chatId, users, base } = await groupWith(1)
    for (const text of ['r1', 'r2']) await sendMessage(chatId, users[0]!, text)
    const s = await openSocket(chatId, users[0]!.accessToken)
    s.send({ type: 'resume', since: base + 1 })
    await s.waitFor((f) => f.type === 'resumed' && f.last_seq === base + 2)
    expect(s.frames.filter((f): f is MessageFrame => f.type === 'message').map((f) => f.message)).toEqual(['r2'])
  })
})

describe('room token expiry and membership', () => {
  async function expireSockets(chatId: number) {
    await runInDurableObject(roomOf(chatId), (_instance, state) => {
      for (const ws of state.getWebSockets()) {
        const attachment = ws.deserializeAttachment() as SocketAttachment
        ws.serializeAttachment({ ...attachment, member: { ...attachment.member, tokenExpiresAtMs: Date.now() - 1 } })
        forgetSocket(ws)
      }
    })
  }

  it('closes a socket with 4001 when its token expires (alarm)', async () => {
    const { chatId, users } = await groupWith(1)
    const s = await openSocket(chatId, users[0]!.accessToken)
    await s.waitFor((f) => f.type === 'ready')
    await expireSockets(chatId)
    expect(await runDurableObjectAlarm(roomOf(chatId))).toBe(true)
    expect(await closeCode(s)).toBe(CLOSE_CODES.tokenExpired)
  })

  it('closes with 4001 when an expired socket sends a frame', async () => {
    const { chatId, users, base } = await groupWith(1)
    const s = await openSocket(chatId, users[0]!.accessToken)
    await s.waitFor((f) => f.type === 'ready')
    await expireSockets(chatId)
    s.send({ type: 'send', text: 'too late' })
    expect(await closeCode(s)).toBe(CLOSE_CODES.tokenExpired)
    expect(await roomOf(chatId).lastSeq()).toBe(base)
  })

  it('renews with an auth frame from the same user and refuses another user with 4002', async () => {
    const { chatId, users } = await groupWith(2)
    const [a, b] = users as [TestUser, TestUser]
    const s = await openSocket(chatId, a.accessToken)
    const { jwtKey } = await loadConfig(env)
    const fresh = await issueAccessToken(jwtKey, { id: a.id, username: a.username }, 'renewal', Date.now() + 60_000)
    s.send({ type: 'auth', token: fresh.token })
    const ok = await s.waitFor((f) => f.type === 'auth_ok')
    const ready = await s.waitFor<ReadyFrame>((f) => f.type === 'ready')
    expect(ok.type === 'auth_ok' && Date.parse(ok.token_expires_at)).toBeGreaterThan(Date.parse(ready.token_expires_at))
    s.send({ type: 'auth', token: b.accessToken })
    expect(await closeCode(s)).toBe(CLOSE_CODES.invalidToken)
  })

  it('closes the sockets of a removed member with 4003 and refuses them afterwards', async () => {
    const { chatId, users } = await groupWith(2)
    const [owner, member] = users as [TestUser, TestUser]
    const s = await openSocket(chatId, member.accessToken)
    await s.waitFor((f) => f.type === 'ready')
    const res = await api(`/chat/${chatId}/remove/`, authed(owner.accessToken, json({ user_id: member.id })))
    expect(res.status).toBe(200)
    expect(await closeCode(s)).toBe(CLOSE_CODES.notMember)
    expect(await errorCode(await upgrade(socketPath(chatId, member.accessToken)))).toBe('not_member')
  })
})
