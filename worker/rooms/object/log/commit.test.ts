import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { AckFrame, MessageFrame } from '../../../../protocol/socket'
import { addToGroup, burstIntoRoom, createGroup, lastSeqOf, openSocket, roomOf, sendMessage, signUp } from '../../../test/helpers'
import type { ChatRoom } from '../chat-room'
import { lastSeq } from './store'

/** Two members with open sockets; `base` is the last seq after the setup (its system messages), the tests' seqs follow it. */
async function twoMembers() {
  const [a, b] = await Promise.all([signUp('batch'), signUp('batch')])
  const chatId = await createGroup(a)
  await addToGroup(chatId, a, b)
  const base = await lastSeqOf(chatId)
  const sa = await openSocket(chatId, a.accessToken)
  const sb = await openSocket(chatId, b.accessToken)
  await Promise.all([sa.waitFor((f) => f.type === 'ready'), sb.waitFor((f) => f.type === 'ready')])
  return { a, b, chatId, sa, sb, base }
}

const acksOf = (frames: { type: string }[]) =>
  frames.filter((f): f is AckFrame => f.type === 'ack').map((f) => [f.client_id, f.seq, f.duplicate])
const messagesOf = (frames: { type: string }[]) =>
  frames.filter((f): f is MessageFrame => f.type === 'message').map((f) => [f.seq, f.message, f.client_id])

describe('publishMessage (group commit)', () => {
  it('stores sends that arrive together gap-free in arrival order, acks each once, a same-batch duplicate once', async () => {
    const { a, chatId, sa, sb, base } = await twoMembers()
    await burstIntoRoom(chatId, a.id, [
      { type: 'send', client_id: 'c1', text: 'one' },
      { type: 'send', client_id: 'c2', text: 'two' },
      { type: 'send', client_id: 'c1', text: 'one again' },
      { message: 'no client id' },
      { type: 'send', client_id: 'c3', text: 'three' },
    ])
    await sb.waitFor((f) => f.type === 'message' && f.seq === base + 4)
    await sa.waitFor((f) => f.type === 'ack' && f.client_id === 'c3')
    expect(messagesOf(sb.frames)).toEqual([
      [base + 1, 'one', 'c1'],
      [base + 2, 'two', 'c2'],
      [base + 3, 'no client id', null],
      [base + 4, 'three', 'c3'],
    ])
    // Each ack follows its message's broadcast; the resend is answered right after its original.
    expect(acksOf(sa.frames)).toEqual([
      ['c1', base + 1, false],
      ['c1', base + 1, true],
      ['c2', base + 2, false],
      [null, base + 3, false],
      ['c3', base + 4, false],
    ])
    const stored = await runInDurableObject(roomOf(chatId), (_instance, state) => ({
      seqs: state.storage.sql.exec<{ seq: number }>('SELECT seq FROM messages ORDER BY seq').toArray().map((r) => r.seq),
      cursor: state.storage.sql.exec<{ seq: number }>('SELECT seq FROM read_cursors WHERE user_id = ?', a.id).one().seq,
    }))
    // The whole log, gap-free: the setup's system messages, then the batch.
    expect(stored).toEqual({ seqs: Array.from({ length: base + 4 }, (_, i) => i + 1), cursor: base + 4 })
  })

  it('answers a resend of an earlier batch from storage and stores the rest of its batch without a gap', async () => {
    const { a, chatId, sa, sb, base } = await twoMembers()
    await burstIntoRoom(chatId, a.id, [
      { type: 'send', client_id: 'old-1', text: 'first' },
      { type: 'send', client_id: 'old-2', text: 'second' },
    ])
    await sb.waitFor((f) => f.type === 'message' && f.seq === base + 2)
    await burstIntoRoom(chatId, a.id, [
      { type: 'send', client_id: 'new-1', text: 'third' },
      { type: 'send', client_id: 'old-2', text: 'second, resent' },
      { type: 'send', client_id: 'new-2', text: 'fourth' },
    ])
    await sb.waitFor((f) => f.type === 'message' && f.seq === base + 4)
    await sa.waitFor((f) => f.type === 'ack' && f.client_id === 'new-2')
    await sa.waitFor((f) => f.type === 'ack' && f.client_id === 'old-2' && f.duplicate)
    expect(messagesOf(sb.frames).map(([seq, text]) => [seq, text])).toEqual([
      [base + 1, 'first'],
      [base + 2, 'second'],
      [base + 3, 'third'],
      [base + 4, 'fourth'],
    ])
    expect(acksOf(sa.frames).filter(([id]) => id === 'old-2')).toEqual([
      ['old-2', base + 2, false],
      ['old-2', base + 2, true],
    ])
    expect(await roomOf(chatId).lastSeq()).toBe(base + 4)
  })

  // Adaptive commit (issue #16): no timed window. A send that finds no commit in flight starts one on
  // the runtime's next turn, with the frames delivered before that turn; sends that arrive while a
  // commit is in flight form the next batch together.
  it('starts a commit on the next turn with the frames delivered before it, and batches those arriving during its confirmation', async () => {
    const { a, chatId, sb, base } = await twoMembers()
    const send = (id: string) => JSON.stringify({ type: 'send', client_id: id, text: id })
    const storedAtSync = await runInDurableObject(roomOf(chatId), async (instance: ChatRoom, state) => {
      const [ws] = state.getWebSockets(String(a.id))
      const seen: number[] = []
      let during: Promise<unknown> | undefined
      const sync = state.storage.sync.bind(state.storage)
      // Observes each commit's confirmation (what is stored by then) and passes it through.
      state.storage.sync = async () => {
        seen.push(lastSeq(state.storage.sql))
        // Two sends arrive while the first commit waits for its confirmation.
        during ??= Promise.all([instance.webSocketMessage(ws!, send('during-1')), instance.webSocketMessage(ws!, send('during-2'))])
        return sync()
      }
      try {
        const first = instance.webSocketMessage(ws!, send('first'))
        // A frame the runtime delivers as the next event, queued before the commit's turn: it joins
        // the first frame's batch (a commit started from the first frame's own jobs took it alone).
        await new Promise<void>((resolve) => setTimeout(resolve, 0))
        await Promise.all([first, instance.webSocketMessage(ws!, send('next-event'))])
        await during
      } finally {
        state.storage.sync = sync
      }
      return seen
    })
    await sb.waitFor((f) => f.type === 'message' && f.seq === base + 4)
    expect(messagesOf(sb.frames).map(([, , id]) => id)).toEqual(['first', 'next-event', 'during-1', 'during-2'])
    // One confirmation per batch: first + next-event (base+1, base+2), then the two that arrived
    // during its confirmation together (base+3, base+4).
    expect(storedAtSync).toEqual([base + 2, base + 4])
  })

  it('orders REST and socket sends into one gap-free sequence', async () => {
    const { a, b, chatId, sb, base } = await twoMembers()
    const rest = Promise.all([1, 2, 3].map((i) => sendMessage(chatId, b, `rest ${i}`)))
    await burstIntoRoom(chatId, a.id, [1, 2, 3].map((i) => ({ type: 'send', client_id: `s${i}`, text: `socket ${i}` })))
    await rest
    await sb.waitFor((f) => f.type === 'message' && f.seq === base + 6)
    const seqs = messagesOf(sb.frames).map(([seq]) => seq)
    expect(seqs).toEqual(Array.from({ length: 6 }, (_, i) => base + 1 + i))
  })

  it('gives a socket that connects during a batch every seq after its ready frame, once', async () => {
    const { a, b, chatId, sb, base } = await twoMembers()
    const last = base + 20
    const sending = burstIntoRoom(chatId, a.id, Array.from({ length: 20 }, (_, i) => ({ type: 'send', client_id: `m${i}`, text: `m${i}` })))
    const late = await openSocket(chatId, b.accessToken)
    await sending
    await sb.waitFor((f) => f.type === 'message' && f.seq === last)
    const ready = await late.waitFor((f) => f.type === 'ready')
    const from = ready.type === 'ready' ? ready.last_seq : NaN
    expect(from).toBeGreaterThanOrEqual(base)
    if (from < last) await late.waitFor((f) => f.type === 'message' && f.seq === last)
    const seqs = messagesOf(late.frames).map(([seq]) => seq)
    expect(seqs).toEqual(Array.from({ length: last - from }, (_, i) => from + 1 + i))
  })
})
