import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { importTs } from './import-ts.mjs'

const m = await importTs('../src/state/messages.ts')
const me = { userid: 1, username: 'ann' }
const body = (seq, extra = {}) => ({ id: `id${seq}`, seq, chat_id: 7, sender: 'bob', sender_id: 2, message: `m${seq}`, created_at: '2026-11-25T10:00:00Z', client_id: null, ...extra })
const seqs = (list) => list.map((x) => x.seq)

describe('mergeStored', () => {
  it('keeps seq order and ignores messages already shown (a replay after reconnect)', () => {
    let list = m.mergeStored([], [body(1), body(2), body(3)].map(m.fromBody))
    list = m.mergeStored(list, [body(2), body(3), body(4)].map(m.fromBody))
    list = m.mergeStored(list, [body(4)].map(m.fromBody))
    assert.deepEqual(seqs(list), [1, 2, 3, 4])
  })

  it('puts an older page in front', () => {
    const list = m.mergeStored(m.mergeStored([], [body(5), body(6)].map(m.fromBody)), [body(3), body(4)].map(m.fromBody))
    assert.deepEqual(seqs(list), [3, 4, 5, 6])
  })

  it('replaces our pending copy with the stored message, keeping its key', () => {
    const pending = m.pendingMessage('c1', 'hi', me, '2026-11-25T10:00:00Z')
    const list = m.mergeStored([m.fromBody(body(1)), pending], [m.fromBody(body(2, { client_id: 'c1', sender_id: 1, sender: 'ann' }))])
    assert.equal(list.length, 2)
    assert.deepEqual(seqs(list), [1, 2])
    assert.equal(list[1].key, pending.key)
    assert.equal(list[1].status, 'sent')
  })

  it('keeps unsent messages after the stored ones', () => {
    const pending = m.pendingMessage('c1', 'hi', me, '2026-11-25T10:00:00Z')
    const list = m.mergeStored([pending], [m.fromBody(body(9))])
    assert.deepEqual(seqs(list), [9, null])
  })
})

describe('applyAck', () => {
  it('confirms a pending message with its seq', () => {
    const list = m.applyAck([m.pendingMessage('c1', 'hi', me, 'x')], { type: 'ack', client_id: 'c1', id: 'id4', seq: 4, duplicate: false })
    assert.equal(list[0].status, 'sent')
    assert.equal(list[0].seq, 4)
  })

  it('drops the pending copy when the stored message already arrived', () => {
    const stored = m.fromBody(body(4, { client_id: 'c1' }))
    const list = m.applyAck([stored, m.pendingMessage('c1', 'hi', me, 'x')], { type: 'ack', client_id: 'c1', id: 'id4', seq: 4, duplicate: true })
    assert.deepEqual(seqs(list), [4])
  })
})

describe('setStatus and lastSeq', () => {
  it('marks a message failed and back to pending for a retry', () => {
    let list = m.setStatus([m.pendingMessage('c1', 'hi', me, 'x')], 'c1', 'failed')
    assert.equal(list[0].status, 'failed')
    list = m.setStatus(list, 'c1', 'pending')
    assert.equal(list[0].status, 'pending')
  })

  it('reports the highest stored seq, 0 when none', () => {
    assert.equal(m.lastSeq([]), 0)
    assert.equal(m.lastSeq([m.fromBody(body(3)), m.pendingMessage('c', 't', me, 'x')]), 3)
  })
})
