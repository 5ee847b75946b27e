import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { CLOSE_CODES, SUBPROTOCOL, type AckFrame, type MessageFrame, type MessageUpdatedFrame, type ReadyFrame, type ServerFrame } from '../../../protocol/socket'
import type { SocketAttachment } from '../../rooms/member'
import { forgetShards } from '../../rooms/object/shards'
import { forgetSocket } from '../../rooms/object/sockets'
import { shardName, shardOf } from '../../rooms/shard/plan'
import {
  addToGroup,
  api,
  authed,
  closeCode,
  createGroup,
  errorCode,
  json,
  lastSeqOf,
  ORIGIN,
  openSocket,
  sendMessage,
  signUp,
  socketPath,
  upgrade,
  type TestSocket,
  type TestUser,
} from '../helpers'

// Groups beyond one object (issue #16): members' sockets spread over FanOutShard objects that the
// room feeds once per batch. Small shards here; the count is set per chat, as an operator would.

const SHARDS = 4
// Waits end as soon as the frame arrives; the deadline only bounds a failure on a busy machine.
const WAIT_MS = 20_000

type Entry = MessageFrame | MessageUpdatedFrame
const isEntry = (f: ServerFrame): f is Entry => f.type === 'message' || f.type === 'message_updated'
/** The seqs of the log entries a socket received (messages, system messages, changes), in arrival order. */
const entrySeqs = (s: TestSocket) => s.frames.filter(isEntry).map((f) => f.seq)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const hasSeq = (seq: number) => (f: ServerFrame) => isEntry(f) && f.seq === seq

function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

function shardStub(chatId: number, index: number) {
  return env.FAN_OUT_SHARD.getByName(shardName(chatId, index))
}

/** A group of `count` members spread over SHARDS shards (ids are sequential, so every shard gets some). */
async function shardedGroup(count: number): Promise<{ chatId: number; users: TestUser[] }> {
  const users = await Promise.all(Array.from({ length: count }, (_, i) => signUp(`shard${i}`)))
  const chatId = await createGroup(users[0]!)
  for (const user of users.slice(1)) await addToGroup(chatId, users[0]!, user)
  expect(await roomOf(chatId).setShardCount(SHARDS)).toBe(SHARDS)
  return { chatId, users }
}

async function openReady(chatId: number, user: TestUser, options: { since?: number } = {}): Promise<TestSocket> {
  const s = await openSocket(chatId, user.accessToken, options)
  await s.waitFor((f) => f.type === 'ready', WAIT_MS)
  return s
}

async function socketsOn(chatId: number, index: number): Promise<number> {
  return runInDurableObject(shardStub(chatId, index), (_instance, state) => state.getWebSockets().length)
}

async function roomSockets(chatId: number): Promise<number> {
  return runInDurableObject(roomOf(chatId), (_instance, state) => state.getWebSockets().length)
}

/** One member per shard, the first of the group's members that lands on it. */
function onePerShard(users: TestUser[]): TestUser[] {
  return range(0, SHARDS - 1).map((i) => users.find((u) => shardOf(u.id, SHARDS) === i)!)
}

// Each test signs up a group's members through the real routes (argon2id, cheap parameters): slow on a shared machine.
describe('a sharded group', { timeout: 60_000 }, () => {
  it('puts every new socket on its member\'s shard, none in the room', async () => {
    const { chatId, users } = await shardedGroup(8)
    await Promise.all(users.map((u) => openReady(chatId, u)))
    expect(await roomSockets(chatId)).toBe(0)
    const perShard = await Promise.all(range(0, SHARDS - 1).map((i) => socketsOn(chatId, i)))
    expect(perShard).toEqual(range(0, SHARDS - 1).map((i) => users.filter((u) => shardOf(u.id, SHARDS) === i).length))
    expect(perShard.reduce((a, b) => a + b)).toBe(8)
  })

  it('delivers every message exactly once and in seq order on all shards, with concurrent senders on different shards', async () => {
    const { chatId, users } = await shardedGroup(8)
    const base = await lastSeqOf(chatId)
    const sockets = await Promise.all(users.map((u) => openReady(chatId, u)))
    const senders = onePerShard(users).map((u) => sockets[users.indexOf(u)]!)
    const PER_SENDER = 12
    for (let i = 0; i < PER_SENDER; i++) {
      senders.forEach((s, k) => s.send({ type: 'send', client_id: `c-${k}-${i}`, text: `m ${k} ${i}` }))
    }
    const last = base + SHARDS * PER_SENDER
    await Promise.all(sockets.map((s) => s.waitFor(hasSeq(last), WAIT_MS)))
    await Promise.all(senders.map((s, k) => s.waitFor((f) => f.type === 'ack' && f.client_id === `c-${k}-${PER_SENDER - 1}`, WAIT_MS)))
    const reference = sockets[0]!.frames.filter(isEntry).map((f) => (f.type === 'message' ? f.id : f.message.id))
    for (const s of sockets) {
      expect(entrySeqs(s)).toEqual(range(base + 1, last))
      // A member on shard A and one on shard B see the same messages, not just the same seqs.
      expect(s.frames.filter(isEntry).map((f) => (f.type === 'message' ? f.id : f.message.id))).toEqual(reference)
    }
    // Each ack follows its message on the sender's socket.
    for (const s of senders) {
      for (const ack of s.frames.filter((f): f is AckFrame => f.type === 'ack')) {
        expect(s.frames.findIndex(hasSeq(ack.seq))).toBeLessThan(s.frames.indexOf(ack))
      }
    }
  })

  it('brings an edit, a delete and a reaction from one shard to members on every shard as message_updated, once each, in seq order', async () => {
    const { chatId, users } = await shardedGroup(4)
    const sockets = await Promise.all(onePerShard(users).map((u) => openReady(chatId, u)))
    const [author, reactor] = sockets
    const base = await lastSeqOf(chatId)
    author!.send({ type: 'send', client_id: 'first', text: 'first draft' })
    author!.send({ type: 'send', client_id: 'second', text: 'goes away' })
    await author!.waitFor((f) => f.type === 'ack' && f.client_id === 'second', WAIT_MS)
    author!.send({ type: 'edit', seq: base + 1, text: 'final text', client_id: 'e1' })
    await author!.waitFor(hasSeq(base + 3), WAIT_MS)
    reactor!.send({ type: 'react', seq: base + 1, emoji: '👍', on: true, client_id: 'r1' })
    await author!.waitFor(hasSeq(base + 4), WAIT_MS)
    author!.send({ type: 'delete', seq: base + 2, client_id: 'd1' })
    await Promise.all(sockets.map((s) => s.waitFor(hasSeq(base + 5), WAIT_MS)))
    for (const s of sockets) {
      expect(entrySeqs(s)).toEqual(range(base + 1, base + 5))
      const updates = s.frames.filter((f): f is MessageUpdatedFrame => f.type === 'message_updated')
      expect(updates.map((u) => [u.seq, u.message.seq])).toEqual([
        [base + 3, base + 1],
        [base + 4, base + 1],
        [base + 5, base + 2],
      ])
      expect(updates[0]!.message.message).toBe('final text')
      expect(updates[1]!.message.reactions).toEqual([{ emoji: '👍', count: 1, user_ids: [onePerShard(users)[1]!.id] }])
      expect(updates[2]!.message).toMatchObject({ deleted: true, message: null })
    }
    // A refused change is answered on the sender's shard alone, with its client_id.
    sockets[2]!.send({ type: 'edit', seq: base + 1, text: 'not mine', client_id: 'e2' })
    const refused = await sockets[2]!.waitFor((f) => f.type === 'error' && f.client_id === 'e2', WAIT_MS)
    expect(refused).toMatchObject({ code: 'forbidden' })
  })

  it('brings a system message (a member added) to every shard in its place in the log', async () => {
    const { chatId, users } = await shardedGroup(4)
    const sockets = await Promise.all(onePerShard(users).map((u) => openReady(chatId, u)))
    const base = await lastSeqOf(chatId)
    await sendMessage(chatId, users[0]!, 'before')
    await addToGroup(chatId, users[0]!, await signUp('late'))
    await sendMessage(chatId, users[0]!, 'after')
    await Promise.all(sockets.map((s) => s.waitFor(hasSeq(base + 3), WAIT_MS)))
    for (const s of sockets) {
      expect(entrySeqs(s)).toEqual(range(base + 1, base + 3))
      expect(s.frames.filter(isEntry).map((f) => (f as MessageFrame).kind)).toEqual(['message', 'system', 'message'])
    }
  })

  it('resumes a member on another shard with every missed message and change entry exactly once, then live', async () => {
    const { chatId, users } = await shardedGroup(4)
    const [a, b] = onePerShard(users)
    const sa = await openReady(chatId, a!)
    const sb = await openReady(chatId, b!)
    const base = await lastSeqOf(chatId)
    await sendMessage(chatId, b!, 'one')
    await sa.waitFor(hasSeq(base + 1), WAIT_MS)
    sa.ws.close(1000)
    await closeCode(sa)
    for (const text of ['two', 'three']) await sendMessage(chatId, b!, text)
    sb.send({ type: 'edit', seq: base + 2, text: 'two, edited', client_id: 'e' })
    sb.send({ type: 'react', seq: base + 1, emoji: '🎉', on: true, client_id: 'r' })
    await sb.waitFor(hasSeq(base + 5), WAIT_MS)
    const back = await openSocket(chatId, a!.accessToken, { since: base + 1 })
    const resumed = await back.waitFor((f) => f.type === 'resumed', WAIT_MS)
    expect(resumed).toEqual({ type: 'resumed', last_seq: base + 5 })
    sb.send({ type: 'send', client_id: 'live', text: 'six' })
    await Promise.all([back, sb].map((s) => s.waitFor(hasSeq(base + 6), WAIT_MS)))
    expect(entrySeqs(back)).toEqual(range(base + 2, base + 6))
    expect(back.frames.filter(isEntry).map((f) => f.type)).toEqual(['message', 'message', 'message_updated', 'message_updated', 'message'])
    // A replayed message shows its current state: the edit is in it already.
    expect(back.frames.find(hasSeq(base + 2))).toMatchObject({ type: 'message', message: 'two, edited' })
    expect(entrySeqs(sb)).toEqual(range(base + 1, base + 6))
    // A `resume` frame on the open socket replays from its `since` once more, and nothing live twice.
    back.send({ type: 'resume', since: base + 4 })
    await back.waitFor((f) => f.type === 'resumed' && back.frames.filter((g) => g.type === 'resumed').length === 2, WAIT_MS)
    await sendMessage(chatId, b!, 'seven')
    await back.waitFor((f) => isEntry(f) && f.seq === base + 7, WAIT_MS)
    expect(entrySeqs(back)).toEqual([...range(base + 2, base + 6), base + 5, base + 6, base + 7])
    expect(back.frames.filter(isEntry).slice(5, 7).map((f) => f.type)).toEqual(['message_updated', 'message'])
  })

  it('fills a batch a shard missed from the room\'s log before delivering the next', async () => {
    const { chatId, users } = await shardedGroup(4)
    const [a, b] = onePerShard(users)
    const sa = await openReady(chatId, a!)
    const base = await lastSeqOf(chatId)
    await sendMessage(chatId, b!, 'one')
    await sa.waitFor(hasSeq(base + 1), WAIT_MS)
    // The room stops feeding its shards (as if every delivery failed) while two entries are stored...
    await runInDurableObject(roomOf(chatId), (_instance, state) => {
      state.storage.kv.delete('shard_count')
      forgetShards(state)
    })
    await sendMessage(chatId, b!, 'two')
    await sendMessage(chatId, b!, 'three')
    expect(entrySeqs(sa)).toEqual([base + 1])
    // ...then feeds them again: the next batch finds the shard behind and the gap is filled first.
    await roomOf(chatId).setShardCount(SHARDS)
    await sendMessage(chatId, b!, 'four')
    await sa.waitFor(hasSeq(base + 4), WAIT_MS)
    expect(entrySeqs(sa)).toEqual(range(base + 1, base + 4))
  })

  it('keeps delivering in order after the shard drops its memory (hibernation) with its sockets open', async () => {
    const { chatId, users } = await shardedGroup(4)
    const [a, b] = onePerShard(users)
    const sa = await openReady(chatId, a!)
    const base = await lastSeqOf(chatId)
    await sendMessage(chatId, b!, 'one')
    await sa.waitFor(hasSeq(base + 1), WAIT_MS)
    await runInDurableObject(shardStub(chatId, shardOf(a!.id, SHARDS)), (_instance, state) => {
      for (const ws of state.getWebSockets()) forgetSocket(ws)
    })
    await sendMessage(chatId, b!, 'two')
    sa.send({ type: 'send', client_id: 'after', text: 'three' })
    const ack = await sa.waitFor<AckFrame>((f) => f.type === 'ack', WAIT_MS)
    expect(ack.seq).toBe(base + 3)
    expect(entrySeqs(sa)).toEqual(range(base + 1, base + 3))
  })

  // [how the membership ends, the close code the shard socket gets, what the next upgrade answers]
  // (a deleted account's unexpired token still verifies; the room's member set refuses it)
  const ENDINGS: [string, (chatId: number, owner: TestUser, target: TestUser) => Promise<Response>, number, string][] = [
    ['removed by the owner', (chatId, owner, target) => api(`/chat/${chatId}/remove/`, authed(owner.accessToken, json({ user_id: target.id }))), CLOSE_CODES.notMember, 'not_member'],
    ['account deleted', (_chatId, _owner, target) => api('/me/', authed(target.accessToken, { ...json({ password: target.password }), method: 'DELETE' })), CLOSE_CODES.accountDeleted, 'not_member'],
  ]
  it.each(ENDINGS)('closes a shard socket when the membership ends (%s) and refuses the next upgrade', async (_, end, code, refusal) => {
    const { chatId, users } = await shardedGroup(4)
    const [owner] = users
    const target = users.find((u) => u !== owner && shardOf(u.id, SHARDS) !== shardOf(owner!.id, SHARDS))!
    const s = await openReady(chatId, target)
    expect((await end(chatId, owner!, target)).status).toBe(200)
    expect(await closeCode(s, WAIT_MS)).toBe(code)
    expect(await errorCode(await upgrade(socketPath(chatId, target.accessToken), { Origin: 'http://chat.test' }))).toBe(refusal)
    expect(await socketsOn(chatId, shardOf(target.id, SHARDS))).toBe(0)
  })

  it('closes every shard socket with 4004 when the group is deleted, and erases the shards', async () => {
    const { chatId, users } = await shardedGroup(4)
    const sockets = await Promise.all(onePerShard(users).map((u) => openReady(chatId, u)))
    await sendMessage(chatId, users[0]!, 'one')
    await Promise.all(sockets.map((s) => s.waitFor((f) => isEntry(f) && f.type === 'message' && f.kind === 'message', WAIT_MS)))
    const res = await api(`/chat/${chatId}/`, authed(users[0]!.accessToken, { method: 'DELETE' }))
    expect(res.status).toBe(200)
    expect(await Promise.all(sockets.map((s) => closeCode(s, WAIT_MS)))).toEqual(sockets.map(() => CLOSE_CODES.chatDeleted))
    for (let index = 0; index < SHARDS; index++) {
      const left = await runInDurableObject(shardStub(chatId, index), (_instance, state) => ({
        sockets: state.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN).length,
        keys: [...state.storage.kv.list()].length,
      }))
      expect(left).toEqual({ sockets: 0, keys: 0 })
    }
    expect(await roomOf(chatId).shardAttach(users[1]!.id, null, 0)).toBeNull()
  })

  it('closes a revoked session\'s shard socket with 4006 and refuses its upgrade and auth frames; the other session stays', async () => {
    const { chatId, users } = await shardedGroup(4)
    const member = users[1]!
    // A second login of the member (the "stolen device") opens its socket on the member's shard.
    const login = await api('/login/', json({ Email: member.email, Password: member.password }))
    const stolen = ((await login.json()) as { access_token: string }).access_token
    const stolenSession = (JSON.parse(atob(stolen.split('.')[1]!.replaceAll('-', '+').replaceAll('_', '/'))) as { sid: string }).sid
    const [kept, gone] = await Promise.all([openReady(chatId, member), openReady(chatId, { ...member, accessToken: stolen })])
    expect(await socketsOn(chatId, shardOf(member.id, SHARDS))).toBe(2)
    const res = await api(`/sessions/${stolenSession}/`, authed(member.accessToken, { method: 'DELETE' }))
    expect(res.status).toBe(200)
    expect(await closeCode(gone, WAIT_MS)).toBe(CLOSE_CODES.sessionRevoked)
    const again = await upgrade(socketPath(chatId, stolen), { Origin: ORIGIN, 'Sec-WebSocket-Protocol': SUBPROTOCOL })
    expect([again.status, await errorCode(again)]).toEqual([401, 'session_revoked'])
    // The shard keeps the list too: an auth frame with the revoked session's token closes the socket.
    kept.send({ type: 'auth', token: stolen })
    expect(await closeCode(kept, WAIT_MS)).toBe(CLOSE_CODES.sessionRevoked)
    const fresh = await openReady(chatId, member)
    await sendMessage(chatId, users[0]!, 'after')
    await fresh.waitFor((f) => f.type === 'message' && f.message === 'after', WAIT_MS)
  })

  it('admits by the room\'s member set: a non-member is refused before any shard, and an attach after a removal is refused', async () => {
    const { chatId, users } = await shardedGroup(4)
    const stranger = await signUp('stranger')
    expect(await errorCode(await upgrade(socketPath(chatId, stranger.accessToken), { Origin: 'http://chat.test' }))).toBe('not_member')
    expect(await socketsOn(chatId, shardOf(stranger.id, SHARDS))).toBe(0)
    const target = users[3]!
    const room = roomOf(chatId)
    expect(await room.shardAttach(target.id, null, 0)).not.toBeNull()
    await room.removeMember(target.id)
    expect(await room.shardAttach(target.id, null, 0)).toBeNull()
  })

  it('closes a shard socket whose token expired (alarm) with 4001', async () => {
    const { chatId, users } = await shardedGroup(4)
    const a = users[2]!
    const s = await openReady(chatId, a)
    const stub = shardStub(chatId, shardOf(a.id, SHARDS))
    await runInDurableObject(stub, (_instance, state) => {
      for (const ws of state.getWebSockets()) {
        const attachment = ws.deserializeAttachment() as SocketAttachment
        ws.serializeAttachment({ ...attachment, member: { ...attachment.member, tokenExpiresAtMs: Date.now() - 1 } })
        forgetSocket(ws)
      }
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await closeCode(s, WAIT_MS)).toBe(CLOSE_CODES.tokenExpired)
  })

  it('applies flood control on a shard socket: error frames, then 4029', async () => {
    const { chatId, users } = await shardedGroup(4)
    const s = await openReady(chatId, users[3]!)
    for (let i = 0; i < 200; i++) s.send({ type: 'ping' })
    await s.waitFor((f) => f.type === 'error' && f.code === 'rate_limited', WAIT_MS)
    expect(await closeCode(s, WAIT_MS)).toBe(CLOSE_CODES.rateLimited)
  })

  it('sends typing and read notices to the other shards, and pong, errors and ready from the shard', async () => {
    const { chatId, users } = await shardedGroup(4)
    const [a, b] = onePerShard(users)
    const base = await lastSeqOf(chatId)
    const sa = await openSocket(chatId, a!.accessToken)
    const sb = await openReady(chatId, b!)
    const ready = await sa.waitFor<ReadyFrame>((f) => f.type === 'ready', WAIT_MS)
    expect(ready).toMatchObject({ chat_id: chatId, user_id: a!.id, last_seq: base })
    sa.send({ type: 'typing' })
    await sb.waitFor((f) => f.type === 'typing' && f.user_id === a!.id, WAIT_MS)
    sb.send({ type: 'send', client_id: 'r1', text: 'read me' })
    await sa.waitFor(hasSeq(base + 1), WAIT_MS)
    sa.send({ type: 'read', seq: base + 1 })
    await sb.waitFor((f) => f.type === 'read' && f.user_id === a!.id && f.seq === base + 1, WAIT_MS)
    sa.send({ type: 'ping' })
    await sa.waitFor((f) => f.type === 'pong', WAIT_MS)
    sa.send({ type: 'send', client_id: 'bad', text: '' })
    await sa.waitFor((f) => f.type === 'error' && f.code === 'invalid_request' && f.client_id === 'bad', WAIT_MS)
    expect(sa.frames.some((f) => f.type === 'typing')).toBe(false)
  })

  it('keeps the seed\'s sockets (no subprotocol) in the room, and they get messages sent on shards', async () => {
    const { chatId, users } = await shardedGroup(4)
    const base = await lastSeqOf(chatId)
    const legacy = await openSocket(chatId, users[1]!.accessToken, { subprotocol: null })
    const onShard = await openReady(chatId, users[2]!)
    onShard.send({ type: 'send', client_id: 'x', text: 'hello' })
    await legacy.waitFor((f) => (f as unknown as { seq?: number }).seq === base + 1, WAIT_MS)
    expect(await roomSockets(chatId)).toBe(1)
  })
})
