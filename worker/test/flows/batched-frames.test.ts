import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { LegacyMessageFrame, MessageFrame, MessagesFrame, ServerFrame } from '../../../protocol/socket'
import { SUBPROTOCOL, SUBPROTOCOL_V2 } from '../../../protocol/socket'
import type { ChatRoom } from '../../rooms/object/chat-room'
import { forgetShards } from '../../rooms/object/shards'
import { BATCH_TAG, forgetSocket } from '../../rooms/object/sockets'
import { shardName, shardOf } from '../../rooms/shard/plan'
import { addToGroup, burstIntoRoom, createGroup, lastSeqOf, openSocket, ORIGIN, recordSocket, roomOf, sendMessage, signUp, socketPath, upgrade, type TestSocket, type TestUser } from '../helpers'

// Issue #16: an `edge-chat.v2` socket gets a commit of several messages as one `messages` frame;
// v1 and the seed's sockets in the same room still get one frame per message.

const SHARDS = 4
// Waits end as soon as the frame arrives; the deadline only bounds a failure on a busy machine.
const WAIT_MS = 20_000
const BURST = 20

const sends = (count: number, prefix = 'm') => Array.from({ length: count }, (_, i) => ({ type: 'send', client_id: `${prefix}${i}`, text: `${prefix} ${i}` }))
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Every log entry a socket received, one per message whether it came alone or in a `messages` frame: [kind, seq]. */
function entriesOf(frames: ServerFrame[]): [string, number][] {
  return frames.flatMap((f): [string, number][] => {
    if (f.type === 'message') return [['message', f.seq]]
    if (f.type === 'messages') return f.messages.map((m) => ['message', m.seq])
    if (f.type === 'message_updated') return [['message_updated', f.seq]]
    return []
  })
}

const batchesOf = (frames: ServerFrame[]) => frames.filter((f): f is MessagesFrame => f.type === 'messages')

/**
 * The v2 socket's frames really were batched (at least one `messages` frame, none holding a single
 * message), the v1 socket's never were, and each item of a `messages` frame is exactly the v1
 * `message` frame minus its type.
 */
function expectBatchedLikeV1(v2Frames: ServerFrame[], v1Frames: ServerFrame[]): void {
  const batches = batchesOf(v2Frames)
  expect(batches.length).toBeGreaterThan(0)
  for (const batch of batches) expect(batch.messages.length).toBeGreaterThanOrEqual(2)
  expect(batchesOf(v1Frames)).toEqual([])
  const v1Bodies = v1Frames.filter((f): f is MessageFrame => f.type === 'message').map(({ type: _type, ...body }) => body)
  const v2Bodies = v2Frames.flatMap((f) => (f.type === 'messages' ? f.messages : f.type === 'message' ? [(({ type: _type, ...body }) => body)(f)] : []))
  expect(v2Bodies).toEqual(v1Bodies)
}
const isReady = (f: ServerFrame) => f.type === 'ready'
/** Resolves once the socket has an entry of `seq`, alone or inside a `messages` frame. */
const hasSeq = (seq: number) => (f: ServerFrame) => entriesOf([f]).some(([, s]) => s === seq)

async function openV2(chatId: number, user: TestUser, since?: number): Promise<TestSocket> {
  const s = await openSocket(chatId, user.accessToken, { since, subprotocol: `${SUBPROTOCOL_V2}, ${SUBPROTOCOL}` })
  await s.waitFor(isReady, WAIT_MS)
  return s
}

async function groupOf(count: number): Promise<{ chatId: number; users: TestUser[]; base: number }> {
  const users = await Promise.all(Array.from({ length: count }, () => signUp('batched')))
  const chatId = await createGroup(users[0]!)
  for (const user of users.slice(1)) await addToGroup(chatId, users[0]!, user)
  return { chatId, users, base: await lastSeqOf(chatId) }
}

describe('edge-chat.v2 messages frames', { timeout: 60_000 }, () => {
  it('selects edge-chat.v2 in the 101 when offered first', async () => {
    const { chatId, users } = await groupOf(1)
    const res = await upgrade(socketPath(chatId, users[0]!.accessToken), { Origin: ORIGIN, 'Sec-WebSocket-Protocol': `${SUBPROTOCOL_V2}, ${SUBPROTOCOL}` })
    expect(res.status).toBe(101)
    expect(res.headers.get('Sec-WebSocket-Protocol')).toBe(SUBPROTOCOL_V2)
    const s = await recordSocket(res)
    expect((await s.waitFor(isReady)).type).toBe('ready')
  })

  it('gives a v2 socket a batch as messages frames, and v1 and seed sockets the same messages one frame each, exactly once in seq order', async () => {
    const { chatId, users, base } = await groupOf(4)
    const [sender, v2User, v1User, legacyUser] = users as [TestUser, TestUser, TestUser, TestUser]
    const from = await openV2(chatId, sender)
    const v2 = await openV2(chatId, v2User)
    const v1 = await openSocket(chatId, v1User.accessToken)
    await v1.waitFor(isReady)
    const legacy = await openSocket(chatId, legacyUser.accessToken, { subprotocol: null })
    const last = base + BURST
    await burstIntoRoom(chatId, sender.id, sends(BURST))
    await Promise.all([v2, v1, from].map((s) => s.waitFor(hasSeq(last), WAIT_MS)))
    await legacy.waitFor((f) => (f as unknown as LegacyMessageFrame).seq === last, WAIT_MS)

    const all = range(base + 1, last).map((seq): [string, number] => ['message', seq])
    expect(entriesOf(v2.frames)).toEqual(all)
    expect(entriesOf(v1.frames)).toEqual(all)
    expect((legacy.frames as unknown as LegacyMessageFrame[]).map((f) => f.seq)).toEqual(range(base + 1, last))
    expectBatchedLikeV1(v2.frames, v1.frames)
  })

  it('acks each send on a v2 socket once, in seq order, after the frame holding its message', async () => {
    const { chatId, users, base } = await groupOf(2)
    const from = await openV2(chatId, users[0]!)
    await burstIntoRoom(chatId, users[0]!.id, sends(BURST))
    await from.waitFor((f) => f.type === 'ack' && f.client_id === `m${BURST - 1}`, WAIT_MS)
    const acks = from.frames.flatMap((f, index) => (f.type === 'ack' ? [{ ...f, index }] : []))
    expect(acks.map((a) => [a.client_id, a.seq, a.duplicate])).toEqual(range(0, BURST - 1).map((i) => [`m${i}`, base + 1 + i, false]))
    for (const ack of acks) expect(from.frames.findIndex(hasSeq(ack.seq))).toBeLessThan(ack.index)
    expect(batchesOf(from.frames).length).toBeGreaterThan(0)
  })

  it('replays from `since` to a v2 socket as runs of messages frames around change entries, the same entries a v1 socket gets', async () => {
    const { chatId, users, base } = await groupOf(2)
    const [a, b] = users as [TestUser, TestUser]
    for (const text of ['one', 'two', 'three']) await sendMessage(chatId, a, text)
    const editor = await openSocket(chatId, a.accessToken)
    editor.send({ type: 'edit', seq: base + 1, text: 'one, edited' })
    await editor.waitFor((f) => f.type === 'message_updated' && f.seq === base + 4, WAIT_MS)
    await sendMessage(chatId, a, 'five')
    for (const text of ['six', 'seven']) await sendMessage(chatId, a, text)

    const v2 = await openV2(chatId, b, base)
    const v1 = await openSocket(chatId, b.accessToken, { since: base })
    await Promise.all([v2, v1].map((s) => s.waitFor((f) => f.type === 'resumed', WAIT_MS)))
    const expected: [string, number][] = [...range(base + 1, base + 3).map((seq): [string, number] => ['message', seq]), ['message_updated', base + 4], ...range(base + 5, base + 7).map((seq): [string, number] => ['message', seq])]
    expect(entriesOf(v1.frames)).toEqual(expected)
    expect(entriesOf(v2.frames)).toEqual(expected)
    expect(v2.frames.map((f) => (f.type === 'messages' ? `messages:${f.messages.length}` : f.type))).toEqual(['ready', 'messages:3', 'message_updated', 'messages:3', 'resumed'])
    // The replay carries each message's current state: the edit shows in the first one.
    expect(batchesOf(v2.frames)[0]!.messages[0]!.message).toBe('one, edited')
  })

  it('keeps a socket v2 across the room dropping its memory (hibernation): a resume replays a messages frame', async () => {
    const { chatId, users, base } = await groupOf(2)
    const [a, b] = users as [TestUser, TestUser]
    const v2 = await openV2(chatId, b)
    for (const text of ['one', 'two']) await sendMessage(chatId, a, text)
    await v2.waitFor(hasSeq(base + 2), WAIT_MS)
    await runInDurableObject(roomOf(chatId), (_instance, state) => {
      for (const ws of state.getWebSockets()) forgetSocket(ws)
    })
    const before = v2.frames.length
    v2.send({ type: 'resume', since: base })
    await v2.waitFor((f) => f.type === 'resumed', WAIT_MS)
    expect(v2.frames.slice(before).map((f) => (f.type === 'messages' ? f.messages.map((m) => m.seq) : f.type))).toEqual([[base + 1, base + 2], 'resumed'])
  })

  it('admits a v2 socket on a sharded group\'s shard, which delivers every message once, in seq order', async () => {
    const { chatId, users, base } = await groupOf(8)
    expect(await roomOf(chatId).setShardCount(SHARDS)).toBe(SHARDS)
    const sender = users[0]!
    // A member on a shard other than the sender's.
    const member = users.find((u) => shardOf(u.id, SHARDS) !== shardOf(sender.id, SHARDS))!
    const res = await upgrade(socketPath(chatId, member.accessToken), { Origin: ORIGIN, 'Sec-WebSocket-Protocol': `${SUBPROTOCOL_V2}, ${SUBPROTOCOL}` })
    expect(res.status).toBe(101)
    expect(res.headers.get('Sec-WebSocket-Protocol')).toBe(SUBPROTOCOL_V2)
    const v2 = await recordSocket(res)
    await v2.waitFor(isReady, WAIT_MS)
    const from = await openV2(chatId, sender)
    const PER_SENDER = 8
    for (let i = 0; i < PER_SENDER; i++) from.send({ type: 'send', client_id: `s${i}`, text: `s ${i}` })
    const last = base + PER_SENDER
    await v2.waitFor(hasSeq(last), WAIT_MS)
    expect(entriesOf(v2.frames)).toEqual(range(base + 1, last).map((seq) => ['message', seq]))
    // A socket in the room only: a shard holds it.
    expect(await runInDurableObject(roomOf(chatId), (_instance, state) => state.getWebSockets().length)).toBe(0)
  })
})

function shardStub(chatId: number, index: number) {
  return env.FAN_OUT_SHARD.getByName(shardName(chatId, index))
}

/** A group of `count` members over SHARDS shards, and two members who share a shard (ids are sequential: every shard gets some). */
async function shardedGroupOf(count: number): Promise<{ chatId: number; users: TestUser[]; base: number; pair: [TestUser, TestUser]; shard: number }> {
  const group = await groupOf(count)
  expect(await roomOf(group.chatId).setShardCount(SHARDS)).toBe(SHARDS)
  const first = group.users[1]!
  const shard = shardOf(first.id, SHARDS)
  const second = group.users.find((u) => u !== first && shardOf(u.id, SHARDS) === shard)!
  return { ...group, pair: [first, second], shard }
}

/** Hands `count` sends of `sender` to the room in one synchronous burst, as a shard forwards them: the first commits alone, the rest pile up behind it as a batch. */
async function burstOnRoom(chatId: number, sender: TestUser, count: number, prefix: string): Promise<void> {
  const replies = await runInDurableObject(roomOf(chatId), (instance: ChatRoom) =>
    Promise.all(range(0, count - 1).map((i) => instance.send({ userId: sender.id, username: sender.username }, `${prefix} ${i}`, `${prefix}${i}`))),
  )
  for (const reply of replies) expect(reply).not.toHaveProperty('refused')
}

/** A socket's frames as `type` or `messages:<count>`: the shape of what it received. */
const shapesOf = (frames: ServerFrame[]) => frames.map((f) => (f.type === 'messages' ? `messages:${f.messages.length}` : f.type))
const messagesAt = (from: number, to: number) => range(from, to).map((seq): [string, number] => ['message', seq])

describe('edge-chat.v2 on a sharded group', { timeout: 60_000 }, () => {
  it('gives a v2 shard socket a burst as messages frames and a v1 socket on the same shard one frame per message, an edit in its place', async () => {
    const { chatId, base, pair, shard } = await shardedGroupOf(8)
    const [v2User, v1User] = pair
    const v2 = await openV2(chatId, v2User)
    const v1 = await openSocket(chatId, v1User.accessToken)
    await v1.waitFor(isReady, WAIT_MS)
    expect(await runInDurableObject(shardStub(chatId, shard), (_instance, state) => [state.getWebSockets().length, state.getWebSockets(BATCH_TAG).length])).toEqual([2, 1])

    await burstOnRoom(chatId, v1User, BURST, 'a')
    const edited = base + BURST + 1
    await Promise.all([v2, v1].map((s) => s.waitFor(hasSeq(edited - 1), WAIT_MS)))
    v1.send({ type: 'edit', seq: base + 1, text: 'a 0, edited' })
    await Promise.all([v2, v1].map((s) => s.waitFor(hasSeq(edited), WAIT_MS)))
    await burstOnRoom(chatId, v1User, BURST, 'b')
    const last = edited + BURST
    await Promise.all([v2, v1].map((s) => s.waitFor(hasSeq(last), WAIT_MS)))

    const expected = [...messagesAt(base + 1, edited - 1), ['message_updated', edited], ...messagesAt(edited + 1, last)]
    expect(entriesOf(v2.frames)).toEqual(expected)
    expect(entriesOf(v1.frames)).toEqual(expected)
    expectBatchedLikeV1(v2.frames, v1.frames)
  })

  it('replays to a v2 shard socket (attach with `since`, then a `resume` frame after the shard drops its memory) as runs of messages frames around a change, then live once', async () => {
    const { chatId, users, base, pair, shard } = await shardedGroupOf(8)
    const [author, reader] = [users[0]!, pair[0]]
    for (const text of ['one', 'two', 'three']) await sendMessage(chatId, author, text)
    const editor = await openSocket(chatId, author.accessToken)
    editor.send({ type: 'edit', seq: base + 1, text: 'one, edited' })
    await editor.waitFor(hasSeq(base + 4), WAIT_MS)
    for (const text of ['five', 'six', 'seven']) await sendMessage(chatId, author, text)
    const expected = [...messagesAt(base + 1, base + 3), ['message_updated', base + 4], ...messagesAt(base + 5, base + 7)]

    const v2 = await openV2(chatId, reader, base)
    const v1 = await openSocket(chatId, pair[1].accessToken, { since: base })
    await Promise.all([v2, v1].map((s) => s.waitFor((f) => f.type === 'resumed', WAIT_MS)))
    expect(shapesOf(v2.frames)).toEqual(['ready', 'messages:3', 'message_updated', 'messages:3', 'resumed'])
    expect(entriesOf(v2.frames)).toEqual(expected)
    expect(batchesOf(v2.frames)[0]!.messages[0]!.message).toBe('one, edited')
    expect(entriesOf(v1.frames)).toEqual(expected)
    expect(batchesOf(v1.frames)).toEqual([])

    // The shard forgets its sockets as hibernation does: the v2 kind comes back from the socket's tag.
    await runInDurableObject(shardStub(chatId, shard), (_instance, state) => {
      for (const ws of state.getWebSockets()) forgetSocket(ws)
    })
    const before = v2.frames.length
    v2.send({ type: 'resume', since: base + 4 })
    await v2.waitFor((f) => f.type === 'resumed' && v2.frames.indexOf(f) >= before, WAIT_MS)
    expect(shapesOf(v2.frames.slice(before))).toEqual(['messages:3', 'resumed'])
    await sendMessage(chatId, author, 'eight')
    await v2.waitFor(hasSeq(base + 8), WAIT_MS)
    expect(entriesOf(v2.frames.slice(before))).toEqual(messagesAt(base + 5, base + 8))
  })

  it('fills a missed batch to a v2 shard socket as one messages frame and to a v1 socket one frame per message, each once', async () => {
    const { chatId, users, base, pair } = await shardedGroupOf(8)
    const author = users[0]!
    const v2 = await openV2(chatId, pair[0])
    const v1 = await openSocket(chatId, pair[1].accessToken)
    await v1.waitFor(isReady, WAIT_MS)
    await sendMessage(chatId, author, 'one')
    await Promise.all([v2, v1].map((s) => s.waitFor(hasSeq(base + 1), WAIT_MS)))
    // The room stops feeding its shards (as if every delivery failed) while two messages are stored...
    await runInDurableObject(roomOf(chatId), (_instance, state) => {
      state.storage.kv.delete('shard_count')
      forgetShards(state)
    })
    await sendMessage(chatId, author, 'two')
    await sendMessage(chatId, author, 'three')
    // ...then feeds them again: the next batch finds the shard behind, which reads the log through it.
    await roomOf(chatId).setShardCount(SHARDS)
    await sendMessage(chatId, author, 'four')
    await Promise.all([v2, v1].map((s) => s.waitFor(hasSeq(base + 4), WAIT_MS)))
    expect(entriesOf(v2.frames)).toEqual(messagesAt(base + 1, base + 4))
    expect(entriesOf(v1.frames)).toEqual(messagesAt(base + 1, base + 4))
    expect(batchesOf(v2.frames).map((b) => b.messages.map((m) => m.seq))).toEqual([range(base + 2, base + 4)])
    expect(batchesOf(v1.frames)).toEqual([])
  })
})
