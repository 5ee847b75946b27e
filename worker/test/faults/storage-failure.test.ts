import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { HistoryResponse, SendResponse } from '../../../protocol/http'
import type { AckFrame, ErrorFrame, ResumedFrame } from '../../../protocol/socket'
import { memberTag } from '../../rooms/member'
import type { ChatRoom } from '../../rooms/object/chat-room'
import { addToGroup, api, authed, createGroup, lastSeqOf, memberMessages, messageFrames, openSocket, signUp, type TestSocket, type TestUser } from '../helpers'

// Issue #14: a storage failure during a group-commit batch. The failure is real: a SQLite trigger
// installed in the room's own storage raises inside the commit's transaction, exactly where a full
// disk or a broken page would (SQLITE_CONSTRAINT_TRIGGER instead of SQLITE_FULL, same code path).
// Nothing in the worker is mocked or switched into a test mode; the trigger is dropped afterwards.

const FAULT = 'fuzz_fault'

function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

/** Which write of the batch's transaction fails. */
const FAULTS: { name: string; trigger: string }[] = [
  { name: 'the first message of the batch', trigger: `BEFORE INSERT ON messages WHEN NEW.client_id = 'a-1'` },
  { name: 'a message in the middle of the batch', trigger: `BEFORE INSERT ON messages WHEN NEW.client_id = 'b-2'` },
  { name: 'the last message of the batch', trigger: `BEFORE INSERT ON messages WHEN NEW.client_id = 'a-3'` },
  // After every message row is written: the senders' read cursors, the transaction's last statements.
  { name: 'the read cursor written after every message', trigger: `BEFORE UPDATE ON read_cursors` },
]

const BATCH = [
  { sender: 'a', clientId: 'a-1' },
  { sender: 'b', clientId: 'b-2' },
  { sender: 'a', clientId: 'a-3' },
] as const
const BATCH_IDS: string[] = BATCH.map((s) => s.clientId)

const sendFrame = (clientId: string) => JSON.stringify({ type: 'send', client_id: clientId, text: `text of ${clientId}` })

interface Setup {
  chatId: number
  /** The last seq after the setup: the group's system messages. The test's seqs follow it. */
  base: number
  a: TestUser
  b: TestUser
  sa: TestSocket
  sb: TestSocket
  /** A member who sends nothing: sees what every other member sees. */
  sc: TestSocket
}

async function setUp(): Promise<Setup> {
  const [a, b, c] = await Promise.all([signUp('fault'), signUp('fault'), signUp('fault')])
  const chatId = await createGroup(a)
  await addToGroup(chatId, a, b)
  await addToGroup(chatId, a, c)
  const base = await lastSeqOf(chatId)
  const [sa, sb, sc] = await Promise.all([openSocket(chatId, a.accessToken), openSocket(chatId, b.accessToken), openSocket(chatId, c.accessToken)])
  await Promise.all([sa, sb, sc].map((s) => s.waitFor((f) => f.type === 'ready')))
  return { chatId, base, a, b, sa, sb, sc }
}

async function storedRows(chatId: number): Promise<{ seqs: number[]; clientIds: (string | null)[]; cursors: number[][] }> {
  return runInDurableObject(roomOf(chatId), (_instance, state) => {
    const rows = state.storage.sql.exec<{ seq: number; client_id: string | null }>('SELECT seq, client_id FROM messages ORDER BY seq').toArray()
    const cursors = state.storage.sql.exec<{ user_id: number; seq: number }>('SELECT user_id, seq FROM read_cursors ORDER BY user_id').toArray().map((r) => [r.user_id, r.seq])
    return { seqs: rows.map((r) => r.seq), clientIds: rows.map((r) => r.client_id), cursors }
  })
}

async function historyClientIds(chatId: number, user: TestUser): Promise<(string | null)[]> {
  const res = await api(`/chat/${chatId}/history/`, authed(user.accessToken))
  expect(res.status).toBe(200)
  return memberMessages(((await res.json()) as HistoryResponse).messages).map((m) => m.client_id)
}

/** What a socket resuming from `since` is sent: the seqs and client_ids replayed and the resumed frame's last_seq. */
async function resumeFrom(chatId: number, user: TestUser, since: number): Promise<{ replayed: [number, string | null][]; lastSeq: number }> {
  const s = await openSocket(chatId, user.accessToken, { since })
  const resumed = await s.waitFor<ResumedFrame>((f) => f.type === 'resumed')
  s.ws.close(1000)
  return { replayed: messageFrames(s.frames).map((f) => [f.seq, f.client_id]), lastSeq: resumed.last_seq }
}

/**
 * A warm-up send from `a` is committed alone (the adaptive commit: no commit in flight), and while
 * its commit waits for the storage's confirmation (`storage.sync()`, observed and passed through)
 * the batch's three frames reach the room in one synchronous burst, as frames that arrive together
 * do: they wait in the outbox and form the next batch, whatever the microtask timing. `fault`, when
 * given, is installed at that same moment (after the warm-up's transaction, before the batch's).
 * Resolves, once every frame is answered, with how many commits waited for a confirmation.
 */
async function sendBatchBehindWarmUp(chatId: number, users: { a: TestUser; b: TestUser }, fault: string | null): Promise<number> {
  return runInDurableObject(roomOf(chatId), async (instance: ChatRoom, state) => {
    const socketOf = (who: 'a' | 'b') => state.getWebSockets(memberTag(users[who].id))[0]!
    const sync = state.storage.sync.bind(state.storage)
    let batch: Promise<unknown> | undefined
    let commits = 0
    state.storage.sync = () => {
      commits += 1
      if (!batch) {
        if (fault !== null) state.storage.sql.exec(`CREATE TRIGGER ${FAULT} ${fault} BEGIN SELECT RAISE(ABORT, 'injected storage failure'); END`)
        batch = Promise.all(BATCH.map(({ sender, clientId }) => instance.webSocketMessage(socketOf(sender), sendFrame(clientId))))
      }
      return sync()
    }
    try {
      await instance.webSocketMessage(socketOf('a'), sendFrame('warm-up'))
      if (!batch) throw new Error('the warm-up commit never waited for its confirmation, so no batch formed behind it')
      await batch
      return commits
    } finally {
      state.storage.sync = sync
    }
  })
}

const errorsOf = (s: TestSocket) => s.frames.filter((f): f is ErrorFrame => f.type === 'error').map((f) => [f.code, f.client_id])
const acksOf = (s: TestSocket) => s.frames.filter((f): f is AckFrame => f.type === 'ack').map((f) => [f.client_id, f.seq, f.duplicate])
const messagesOf = (s: TestSocket) => messageFrames(s.frames).map((f) => [f.seq, f.client_id])

describe('a storage failure during a group commit', () => {
  for (const fault of FAULTS) {
    it(`answers every sender of the batch with an error frame naming its client_id and stores nothing of it when ${fault.name} fails`, async () => {
      const { chatId, base, a, b, sa, sb, sc } = await setUp()
      // Only the warm-up's commit got as far as its confirmation.
      expect(await sendBatchBehindWarmUp(chatId, { a, b }, fault.trigger)).toBe(1)
      const warm = base + 1
      const afterWarmUp = await storedRows(chatId)
      expect(afterWarmUp.clientIds.at(-1)).toBe('warm-up')

      // The room still answers, and nothing of the batch was sent before its pong: no ack, no message.
      for (const s of [sa, sb, sc]) s.send({ type: 'ping' })
      await Promise.all([sa, sb, sc].map((s) => s.waitFor((f) => f.type === 'pong')))
      expect(errorsOf(sa)).toEqual([
        ['internal', 'a-1'],
        ['internal', 'a-3'],
      ])
      expect(errorsOf(sb)).toEqual([['internal', 'b-2']])
      expect(errorsOf(sc)).toEqual([])
      expect(acksOf(sa)).toEqual([['warm-up', warm, false]])
      expect(acksOf(sb)).toEqual([])
      for (const s of [sa, sb, sc]) expect(messagesOf(s)).toEqual([[warm, 'warm-up']])

      // No phantom: storage (raw rows and read cursors), the room's seq, history and a resume stand
      // where the warm-up left them.
      expect(await roomOf(chatId).lastSeq()).toBe(warm)
      expect(await historyClientIds(chatId, a)).toEqual(['warm-up'])
      expect(await resumeFrom(chatId, b, base)).toEqual({ replayed: [[warm, 'warm-up']], lastSeq: warm })
      await runInDurableObject(roomOf(chatId), (_instance, state) => {
        state.storage.sql.exec(`DROP TRIGGER ${FAULT}`)
      })
      expect(await storedRows(chatId)).toEqual(afterWarmUp)

      // The failed batch took no seq: the next send is acked with the seq after the warm-up's, so no
      // client sees a gap. Then the senders resend with the same client_ids: stored once each, in
      // order, and a second resend is a duplicate.
      sb.send({ type: 'send', client_id: 'next', text: 'after the failure' })
      await sb.waitFor((f) => f.type === 'ack' && f.client_id === 'next')
      for (const { sender, clientId } of BATCH) {
        const s = sender === 'a' ? sa : sb
        s.send(JSON.parse(sendFrame(clientId)))
        await s.waitFor((f) => f.type === 'ack' && f.client_id === clientId)
      }
      sa.send(JSON.parse(sendFrame('a-1')))
      await sa.waitFor((f) => f.type === 'ack' && f.client_id === 'a-1' && f.duplicate)
      expect(acksOf(sa)).toEqual([
        ['warm-up', warm, false],
        ['a-1', warm + 2, false],
        ['a-3', warm + 4, false],
        ['a-1', warm + 2, true],
      ])
      expect(acksOf(sb)).toEqual([
        ['next', warm + 1, false],
        ['b-2', warm + 3, false],
      ])
      const log = [
        [warm, 'warm-up'],
        [warm + 1, 'next'],
        [warm + 2, 'a-1'],
        [warm + 3, 'b-2'],
        [warm + 4, 'a-3'],
      ]
      await sc.waitFor((f) => f.type === 'message' && f.seq === warm + 4)
      expect(messagesOf(sc)).toEqual(log)
      expect(await historyClientIds(chatId, a)).toEqual(log.map(([, id]) => id))
      expect(await resumeFrom(chatId, a, base)).toEqual({ replayed: log, lastSeq: warm + 4 })
      expect(errorsOf(sc)).toEqual([])
    })
  }

  it('stores the same batch behind a warm-up when storage works, in one commit', async () => {
    // The control of the table above: the seam forms the batch, and without the fault it is stored.
    const { chatId, base, a, b, sa, sb, sc } = await setUp()
    expect(await sendBatchBehindWarmUp(chatId, { a, b }, null)).toBe(2)
    await sc.waitFor((f) => f.type === 'message' && f.seq === base + 4)
    await sa.waitFor((f) => f.type === 'ack' && f.client_id === 'a-3')
    await sb.waitFor((f) => f.type === 'ack' && f.client_id === 'b-2')
    expect(messagesOf(sc)).toEqual([[base + 1, 'warm-up'], ...BATCH_IDS.map((id, i) => [base + 2 + i, id])])
    expect(acksOf(sa).map(([id]) => id)).toEqual(['warm-up', 'a-1', 'a-3'])
    expect(acksOf(sb).map(([id]) => id)).toEqual(['b-2'])
  })

  it('answers a REST send caught in a failed commit with 500 internal in the error shape, and stores it once on retry', async () => {
    const { chatId, base, a } = await setUp()
    await runInDurableObject(roomOf(chatId), (_instance, state) => {
      state.storage.sql.exec(`CREATE TRIGGER ${FAULT} BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'injected storage failure'); END`)
    })
    const send = () => api(`/chat/${chatId}/send/`, authed(a.accessToken, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ message: 'over REST', client_id: 'rest-1' }) }))
    const failed = await send()
    expect(failed.status).toBe(500)
    const body = (await failed.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('internal')
    expect(body.error.message).not.toContain('injected')
    expect(await roomOf(chatId).lastSeq()).toBe(base)

    await runInDurableObject(roomOf(chatId), (_instance, state) => {
      state.storage.sql.exec(`DROP TRIGGER ${FAULT}`)
    })
    const stored = await send()
    expect(stored.status).toBe(201)
    expect(((await stored.json()) as SendResponse).message.seq).toBe(base + 1)
    expect((await send()).status).toBe(200)
    expect(await historyClientIds(chatId, a)).toEqual(['rest-1'])
  })
})
