import { describe, expect, it } from 'vitest'
import type { MessageBody } from '../../../protocol'
import { fromBody, pendingMessage, type ViewMessage } from './messages'
import { findReceipt, noteRead, readerNames, readsFrom } from './receipts'

const ME = 1
const ann = { userid: ME, username: 'ann' }
const msg = (seq: number, senderId: number, sender = senderId === ME ? 'ann' : `user${senderId}`): ViewMessage =>
  fromBody({ id: `m${seq}`, seq, chat_id: 7, sender, sender_id: senderId, message: `text ${seq}`, created_at: '2026-11-29T10:00:00Z', client_id: null,
    kind: 'message', event: null, reply_to: null, edited_at: null, deleted: false, reactions: [], attachments: [] } satisfies MessageBody)
const reads = (...pairs: [number, number][]) => readsFrom(pairs.map(([user_id, seq]) => ({ user_id, seq })))

// 1:1 with bob (2): ann's messages are 2, 4 and 5.
const chat = [msg(1, 2), msg(2, ME), msg(3, 2), msg(4, ME), msg(5, ME)]

describe('findReceipt in a 1:1', () => {
  it.each([
    ['bob read everything', reads([2, 5]), 5],
    ['bob read up to 4: under 4, not under the unread 5', reads([2, 4]), 4],
    ['bob read up to 3: under the own message before it', reads([2, 3]), 2],
    ['bob read only his own first message', reads([2, 1]), null],
    ['bob has not read anything', reads(), null],
    ["ann's own position is not a receipt", reads([ME, 5]), null],
  ])('%s', (_case, positions, seq) => {
    expect(findReceipt(chat, positions, ME)?.seq ?? null).toBe(seq)
  })

  it('ignores an own message still pending (no seq yet)', () => {
    const list = [...chat, pendingMessage('c1', 'hi', ann, '2026-11-29T10:01:00Z')]
    expect(findReceipt(list, reads([2, 5]), ME)).toEqual({ seq: 5, readerIds: [2] })
  })

  it('has none when the newest messages are all the other person’s', () => {
    expect(findReceipt([msg(1, 2), msg(2, 2)], reads([2, 2]), ME)).toBeNull()
  })
})

describe('findReceipt in a group', () => {
  it.each([
    ['three read the newest', reads([2, 5], [3, 5], [4, 9]), { seq: 5, readerIds: [2, 3, 4] }],
    ['two read the newest, one is behind', reads([2, 5], [3, 3], [4, 5]), { seq: 5, readerIds: [2, 4] }],
    ['nobody read the newest: the last one someone read', reads([2, 4], [3, 1]), { seq: 4, readerIds: [2] }],
  ])('%s', (_case, positions, expected) => {
    expect(findReceipt(chat, positions, ME)).toEqual(expected)
  })
})

describe('noteRead', () => {
  it('moves a position forward only', () => {
    let positions = reads([2, 4])
    positions = noteRead(positions, { user_id: 2, seq: 3 })
    expect(positions.get(2)).toBe(4)
    positions = noteRead(positions, { user_id: 2, seq: 6 })
    positions = noteRead(positions, { user_id: 3, seq: 1 })
    expect([...positions]).toEqual([
      [2, 6],
      [3, 1],
    ])
  })

  it('returns the same map when nothing moved', () => {
    const positions = reads([2, 4])
    expect(noteRead(positions, { user_id: 2, seq: 4 })).toBe(positions)
  })
})

describe('readerNames', () => {
  it('uses the member list, then the names messages carry, sorted, and counts the rest', () => {
    const names = new Map([[3, 'zoe']])
    expect(readerNames([2, 3, 9], names, chat)).toEqual({ names: ['user2', 'zoe'], unknown: 1 })
  })
})
