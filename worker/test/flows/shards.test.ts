import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { CLOSE_CODES, type AckFrame, type MessageFrame, type ReadyFrame, type ServerFrame } from '../../../protocol/socket'
import type { SocketAttachment } from '../../rooms/member'
import { forgetShards } from '../../rooms/object/shards'
import { forgetSocket } from '../../rooms/object/sockets'
import { shardName, shardOf } from '../../rooms/shard/plan'
import { addToGroup, api, authed, closeCode, createGroup, errorCode, json, openSocket, sendMessage, signUp, socketPath, upgrade, type TestSocket, type TestUser } from '../helpers'

// Groups beyond one object (issue #16): members' sockets spread over FanOutShard objects that the
// room feeds once per batch. Small shards here; the count is set per chat, as an operator would.

const SHARDS = 4

const messageSeqs = (s: TestSocket) => s.frames.filter((f): f is MessageFrame => f.type === 'message').map((f) => f.seq)
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

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

async function socketsOn(chatId: number, index: number): Promise<number> {
  return runInDurableObject(shardStub(chatId, index), (_instance, state) => state.getWebSockets().length)
}

async function roomSockets(chatId: number): Promise<number> {
  return runInDurableObject(roomOf(chatId), (_instance, state) => state.getWebSockets().length)
}

/** One member per shard, the first of the group's members that lands on it. */
function onePerShard(users: TestUser[]): TestUser[] {
  return upTo(SHARDS).map((i) => users.find((u) => shardOf(u.id, SHARDS) === i - 1)!)
}

// Each test signs up a group's members through the real routes (argon2id, cheap parameters): slow on a shared machine.
describe('a sharded group', { timeout: 30_000 }, () => {
  it('puts every new socket on its member\'s shard, none in the room', async () => {
    const { chatId, users } = await shardedGroup(8)
    const sockets = await Promise.all(users.map((u) => openSocket(chatId, u.accessToken)))
    await Promise.all(sockets.map((s) => s.waitFor((f) => f.type === 'ready')))
    expect(await roomSockets(chatId)).toBe(0)
    const perShard = await Promise.all(upTo(SHARDS).map((i) => socketsOn(chatId, i - 1)))
    expect(perShard).toEqual(upTo(SHARDS).map((i) => users.filter((u) => shardOf(u.id, SHARDS) === i - 1).length))
    expect(perShard.reduce((a, b) => a + b)).toBe(8)
  })

  it('delivers every message exactly once and in seq order on all shards, with concurrent senders on different shards', async () => {
    const { chatId, users } = await shardedGroup(8)
    const sockets = await Promise.all(users.map((u) => openSocket(chatId, u.accessToken)))
    await Promise.all(sockets.map((s) => s.waitFor((f) => f.type === 'ready')))
    const senders = onePerShard(users).map((u) => sockets[users.indexOf(u)]!)
    const PER_SENDER = 12
    for (let i = 0; i < PER_SENDER; i++) {
      senders.forEach((s, k) => s.send({ type: 'send', client_id: `c-${k}-${i}`, text: `m ${k} ${i}` }))
    }
    const total = SHARDS * PER_SENDER
    await Promise.all(sockets.map((s) => s.waitFor((f) => f.type === 'message' && f.seq === total)))
    await Promise.all(senders.map((s) => s.waitFor((f) => f.type === 'ack' && f.client_id === `c-${senders.indexOf(s)}-${PER_SENDER - 1}`)))
    const reference = sockets[0]!.frames.filter((f): f is MessageFrame => f.type === 'message').map((f) => f.id)
    for (const s of sockets) {
      expect(messageSeqs(s)).toEqual(upTo(total))
      // A member on shard A and one on shard B see the same messages, not just the same seqs.
      expect(s.frames.filter((f): f is MessageFrame => f.type === 'message').map((f) => f.id)).toEqual(reference)
    }
    // Each ack follows its message on the sender's socket.
    for (const s of senders) {
      for (const ack of s.frames.filter((f): f is AckFrame => f.type === 'ack')) {
        const at = (pred: (f: ServerFrame) => boolean) => s.frames.findIndex(pred)
        expect(at((f) => f.type === 'message' && f.seq === ack.seq)).toBeLessThan(at((f) => f === ack))
      }
    }
  })

  it('resumes a member on another shard with every missed message exactly once, then live', async () => {
    const { chatId, users } = await shardedGroup(4)
    const [a, b] = onePerShard(users)
    const sa = await openSocket(chatId, a!.accessToken)
    const sb = await openSocket(chatId, b!.accessToken)
    await Promise.all([sa, sb].map((s) => s.waitFor((f) => f.type === 'ready')))
    await sendMessage(chatId, b!, 'one')
    await sa.waitFor((f) => f.type === 'message' && f.seq === 1)
    sa.ws.close(1000)
    await closeCode(sa)
    for (const text of ['two', 'three', 'four']) await sendMessage(chatId, b!, text)
    const back = await openSocket(chatId, a!.accessToken, { since: 1 })
    const resumed = await back.waitFor((f) => f.type === 'resumed')
    expect(resumed).toEqual({ type: 'resumed', last_seq: 4 })
    sb.send({ type: 'send', client_id: 'live-5', text: 'five' })
    await Promise.all([back, sb].map((s) => s.waitFor((f) => f.type === 'message' && f.seq === 5)))
    expect(messageSeqs(back)).toEqual([2, 3, 4, 5])
    expect(messageSeqs(sb)).toEqual([1, 2, 3, 4, 5])
    // A `resume` frame on the open socket replays from its `since` once more, and nothing live twice.
    back.send({ type: 'resume', since: 3 })
    await back.waitFor((f) => f.type === 'resumed' && f.last_seq === 5 && back.frames.filter((g) => g.type === 'resumed').length === 2)
    await sendMessage(chatId, b!, 'six')
    await back.waitFor((f) => f.type === 'message' && f.seq === 6)
    expect(messageSeqs(back)).toEqual([2, 3, 4, 5, 4, 5, 6])
  })

  it('fills a batch a shard missed from the room\'s log before delivering the next', async () => {
    const { chatId, users } = await shardedGroup(4)
    const [a, b] = onePerShard(users)
    const sa = await openSocket(chatId, a!.accessToken)
    await sa.waitFor((f) => f.type === 'ready')
    await sendMessage(chatId, b!, 'one')
    await sa.waitFor((f) => f.type === 'message' && f.seq === 1)
    // The room stops feeding its shards (as if every delivery failed) while two batches are stored...
    await runInDurableObject(roomOf(chatId), (_instance, state) => {
      state.storage.kv.delete('shard_count')
      forgetShards(state)
    })
    await sendMessage(chatId, b!, 'two')
    await sendMessage(chatId, b!, 'three')
    expect(messageSeqs(sa)).toEqual([1])
    // ...then feeds them again: the next batch (4) finds the shard at 1 and the gap is filled first.
    await roomOf(chatId).setShardCount(SHARDS)
    await sendMessage(chatId, b!, 'four')
    await sa.waitFor((f) => f.type === 'message' && f.seq === 4)
    expect(messageSeqs(sa)).toEqual([1, 2, 3, 4])
  })

  it('keeps delivering in order after the shard is evicted (hibernation) with its sockets open', async () => {
    const { chatId, users } = await shardedGroup(4)
    const [a, b] = onePerShard(users)
    const sa = await openSocket(chatId, a!.accessToken)
    await sa.waitFor((f) => f.type === 'ready')
    await sendMessage(chatId, b!, 'one')
    await sa.waitFor((f) => f.type === 'message' && f.seq === 1)
    await runInDurableObject(shardStub(chatId, shardOf(a!.id, SHARDS)), (_instance, state) => {
      for (const ws of state.getWebSockets()) forgetSocket(ws)
    })
    await sendMessage(chatId, b!, 'two')
    sa.send({ type: 'send', client_id: 'after', text: 'three' })
    const ack = await sa.waitFor<AckFrame>((f) => f.type === 'ack')
    expect(ack.seq).toBe(3)
    expect(messageSeqs(sa)).toEqual([1, 2, 3])
  })

  it('closes a removed member\'s shard socket with 4003 and refuses their next upgrade', async () => {
    const { chatId, users } = await shardedGroup(4)
    const [owner] = users
    const target = users.find((u) => u !== owner && shardOf(u.id, SHARDS) !== shardOf(owner!.id, SHARDS))!
    const s = await openSocket(chatId, target.accessToken)
    await s.waitFor((f) => f.type === 'ready')
    const res = await api(`/chat/${chatId}/remove/`, authed(owner!.accessToken, json({ user_id: target.id })))
    expect(res.status).toBe(200)
    expect(await closeCode(s)).toBe(CLOSE_CODES.notMember)
    expect(await errorCode(await upgrade(socketPath(chatId, target.accessToken)))).toBe('not_member')
    expect(await socketsOn(chatId, shardOf(target.id, SHARDS))).toBe(0)
  })

  it('refuses a shard attach once the membership ended', async () => {
    const { chatId, users } = await shardedGroup(4)
    const target = users[3]!
    const room = roomOf(chatId)
    const reply = await room.shardAttach(target.id, null, 0)
    expect(reply).not.toBeNull()
    await room.removeMember(target.id)
    expect(await room.shardAttach(target.id, null, 0)).toBeNull()
  })

  it('closes a shard socket whose token expired (alarm) with 4001', async () => {
    const { chatId, users } = await shardedGroup(4)
    const a = users[2]!
    const s = await openSocket(chatId, a.accessToken)
    await s.waitFor((f) => f.type === 'ready')
    const stub = shardStub(chatId, shardOf(a.id, SHARDS))
    await runInDurableObject(stub, (_instance, state) => {
      for (const ws of state.getWebSockets()) {
        const attachment = ws.deserializeAttachment() as SocketAttachment
        ws.serializeAttachment({ ...attachment, member: { ...attachment.member, tokenExpiresAtMs: Date.now() - 1 } })
        forgetSocket(ws)
      }
    })
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await closeCode(s)).toBe(CLOSE_CODES.tokenExpired)
  })

  it('applies flood control on a shard socket: error frames, then 4029', async () => {
    const { chatId, users } = await shardedGroup(4)
    const s = await openSocket(chatId, users[3]!.accessToken)
    await s.waitFor((f) => f.type === 'ready')
    for (let i = 0; i < 200; i++) s.send({ type: 'ping' })
    await s.waitFor((f) => f.type === 'error' && f.code === 'rate_limited')
    expect(await closeCode(s)).toBe(CLOSE_CODES.rateLimited)
  })

  it('sends typing and read notices to the other shards, and pong, errors and ready from the shard', async () => {
    const { chatId, users } = await shardedGroup(4)
    const [a, b] = onePerShard(users)
    const sa = await openSocket(chatId, a!.accessToken)
    const sb = await openSocket(chatId, b!.accessToken)
    const ready = await sa.waitFor<ReadyFrame>((f) => f.type === 'ready')
    expect(ready).toMatchObject({ chat_id: chatId, user_id: a!.id, last_seq: 0 })
    await sb.waitFor((f) => f.type === 'ready')
    sa.send({ type: 'typing' })
    await sb.waitFor((f) => f.type === 'typing' && f.user_id === a!.id)
    sb.send({ type: 'send', client_id: 'r1', text: 'read me' })
    await sa.waitFor((f) => f.type === 'message' && f.seq === 1)
    sa.send({ type: 'read', seq: 1 })
    await sb.waitFor((f) => f.type === 'read' && f.user_id === a!.id && f.seq === 1)
    sa.send({ type: 'ping' })
    await sa.waitFor((f) => f.type === 'pong')
    sa.send({ type: 'send', client_id: 'bad', text: '' })
    await sa.waitFor((f) => f.type === 'error' && f.code === 'invalid_request' && f.client_id === 'bad')
    expect(sa.frames.some((f) => f.type === 'typing')).toBe(false)
  })

  it('keeps the seed\'s sockets (no subprotocol) in the room', async () => {
    const { chatId, users } = await shardedGroup(4)
    const legacy = await openSocket(chatId, users[1]!.accessToken, { subprotocol: null })
    await sendMessage(chatId, users[0]!, 'hello')
    await legacy.waitFor((f) => (f as unknown as { seq?: number }).seq === 1)
    expect(await roomSockets(chatId)).toBe(1)
  })
})
