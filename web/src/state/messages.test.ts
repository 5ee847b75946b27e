import { describe, expect, it } from 'vitest'
import type { MessageBody } from '../../../protocol'
import { applyAck, applyUpdate, fromBody, lastEditable, lastSeq, mergeStored, pendingMessage, setStatus, toReplyPreview, type ViewMessage } from './messages'

const me = { userid: 1, username: 'ann' }
const body = (seq: number, extra: Partial<MessageBody> = {}): MessageBody => ({
  id: `id${seq}`,
  seq,
  chat_id: 7,
  sender: 'bob',
  sender_id: 2,
  message: `m${seq}`,
  created_at: '2026-11-25T10:00:00Z',
  client_id: null,
  kind: 'message',
  event: null,
  reply_to: null,
  edited_at: null,
  deleted: false,
  reactions: [],
  attachments: [],
  ...extra,
})
const stored = (...seqs: number[]) => seqs.map((seq) => fromBody(body(seq)))
const seqs = (list: ViewMessage[]) => list.map((x) => x.seq)

describe('mergeStored', () => {
  it('keeps seq order and ignores messages already shown (a replay after reconnect)', () => {
    let list = mergeStored([], stored(1, 2, 3))
    list = mergeStored(list, stored(2, 3, 4))
    list = mergeStored(list, stored(4))
    expect(seqs(list)).toEqual([1, 2, 3, 4])
  })

  it('puts an older page in front', () => {
    const list = mergeStored(mergeStored([], stored(5, 6)), stored(3, 4))
    expect(seqs(list)).toEqual([3, 4, 5, 6])
  })

  it('replaces our pending copy with the stored message, keeping its key', () => {
    const pending = pendingMessage('c1', 'hi', me, '2026-11-25T10:00:00Z')
    const list = mergeStored([...stored(1), pending], [fromBody(body(2, { client_id: 'c1', sender_id: 1, sender: 'ann' }))])
    expect(seqs(list)).toEqual([1, 2])
    expect(list[1]).toMatchObject({ key: pending.key, status: 'sent' })
  })

  it('keeps unsent messages after the stored ones', () => {
    const pending = pendingMessage('c1', 'hi', me, '2026-11-25T10:00:00Z')
    expect(seqs(mergeStored([pending], stored(9)))).toEqual([9, null])
  })
})

describe('applyAck', () => {
  it('confirms a pending message with its seq', () => {
    const list = applyAck([pendingMessage('c1', 'hi', me, 'x')], { type: 'ack', client_id: 'c1', id: 'id4', seq: 4, duplicate: false })
    expect(list[0]).toMatchObject({ status: 'sent', seq: 4 })
  })

  it('drops the pending copy when the stored message already arrived', () => {
    const arrived = fromBody(body(4, { client_id: 'c1' }))
    const list = applyAck([arrived, pendingMessage('c1', 'hi', me, 'x')], { type: 'ack', client_id: 'c1', id: 'id4', seq: 4, duplicate: true })
    expect(seqs(list)).toEqual([4])
  })
})

describe('setStatus and lastSeq', () => {
  it('marks a message failed and back to pending for a retry', () => {
    let list = setStatus([pendingMessage('c1', 'hi', me, 'x')], 'c1', 'failed')
    expect(list[0]?.status).toBe('failed')
    list = setStatus(list, 'c1', 'pending')
    expect(list[0]?.status).toBe('pending')
  })

  it('reports the highest stored seq, 0 when none', () => {
    expect(lastSeq([])).toBe(0)
    expect(lastSeq([...stored(3), pendingMessage('c', 't', me, 'x')])).toBe(3)
  })
})

describe('applyUpdate', () => {
  it('replaces the message with its current state, keeping its key', () => {
    const list = mergeStored([], stored(1, 2))
    const next = applyUpdate(list, body(2, { message: 'edited', edited_at: '2026-11-25T10:05:00Z' }))
    expect(next[1]).toMatchObject({ key: 's2', text: 'edited', editedAt: '2026-11-25T10:05:00Z' })
    expect(next[0]).toBe(list[0])
  })

  it('ignores a message not loaded here (history brings its current state later)', () => {
    const list = mergeStored([], stored(5))
    expect(applyUpdate(list, body(2, { deleted: true, message: null }))).toBe(list)
  })

  it.each([
    ['an edit', { message: 'new first\nsecond' }, 'new first'],
    ['a deletion', { message: null, deleted: true }, null],
  ])('updates the quote of every reply to it after %s', (_case, change, preview) => {
    const reply = fromBody(body(3, { reply_to: { seq: 1, sender_id: 2, sender: 'bob', preview: 'm1' } }))
    const list = mergeStored(stored(1), [reply])
    expect(applyUpdate(list, body(1, change)).find((m) => m.seq === 3)?.replyTo?.preview).toBe(preview)
  })
})

describe('lastEditable', () => {
  it.each<[string, MessageBody[], number | null]>([
    ['the newest own message', [body(1, { sender_id: 1 }), body(2, { sender_id: 1 }), body(3)], 2],
    ['skips deleted ones', [body(1, { sender_id: 1 }), body(2, { sender_id: 1, deleted: true, message: null })], 1],
    ['skips system messages', [body(1, { sender_id: 1, kind: 'system', message: null })], null],
    ['none of mine', [body(1)], null],
  ])('%s', (_case, bodies, expected) => {
    expect(lastEditable(bodies.map(fromBody), me.userid)?.seq ?? null).toBe(expected)
  })
})

describe('toReplyPreview', () => {
  it('quotes the first line, cut at 120 code points (not UTF-16 units)', () => {
    const text = `${'😀'.repeat(130)}\nsecond`
    expect(toReplyPreview(fromBody(body(4, { message: text })))?.preview).toBe('😀'.repeat(120))
  })
})
