import { describe, expect, it } from 'vitest'
import { fromBody, type ViewMessage } from './messages'
import { buildTimeline } from './timeline'
import type { MessageBody } from '../../../protocol'

// Local-time constructors: days are the viewer's own.
const at = (day: number, hour: number, minute: number, second = 0) => new Date(2026, 10, day, hour, minute, second).toISOString()
let seq = 0
const msg = (senderId: number, createdAt: string, kind: 'message' | 'system' = 'message'): ViewMessage =>
  fromBody({
    id: `m${++seq}`,
    seq,
    chat_id: 1,
    sender: `u${senderId}`,
    sender_id: senderId,
    message: kind === 'message' ? 'hi' : null,
    created_at: createdAt,
    client_id: null,
    kind,
    event: kind === 'system' ? { type: 'joined', actor_id: senderId, actor: `u${senderId}` } : null,
    reply_to: null,
    edited_at: null,
    deleted: false,
    reactions: [],
    attachments: [],
  } satisfies MessageBody)

/** Each row as a short code: `|` a day separator; a message as its sender, `^` run start, `$` run end. */
const shape = (list: ViewMessage[]) =>
  buildTimeline(list)
    .map((row) => (row.type === 'day' ? '|' : `${row.isRunStart ? '^' : ''}${row.message.kind === 'system' ? 's' : row.message.senderId}${row.isRunEnd ? '$' : ''}`))
    .join(' ')

describe('buildTimeline', () => {
  it.each<[string, ViewMessage[], string]>([
    ['one message', [msg(1, at(25, 10, 0))], '| ^1$'],
    ['a run of one sender within 5 minutes', [msg(1, at(25, 10, 0)), msg(1, at(25, 10, 3)), msg(1, at(25, 10, 7, 59))], '| ^1 1 1$'],
    ['a gap of 5 minutes starts a new run', [msg(1, at(25, 10, 0)), msg(1, at(25, 10, 5))], '| ^1$ ^1$'],
    ['another sender starts a run', [msg(1, at(25, 10, 0)), msg(2, at(25, 10, 1)), msg(1, at(25, 10, 2))], '| ^1$ ^2$ ^1$'],
    ['a new day: separator and new run', [msg(1, at(25, 23, 59)), msg(1, at(26, 0, 1))], '| ^1$ | ^1$'],
    ['a system message stands alone and breaks the run', [msg(1, at(25, 10, 0)), msg(2, at(25, 10, 1), 'system'), msg(1, at(25, 10, 2))], '| ^1$ ^s$ ^1$'],
    ['a clock that went backwards starts a run', [msg(1, at(25, 10, 5)), msg(1, at(25, 10, 4))], '| ^1$ ^1$'],
    ['nothing', [], ''],
  ])('%s', (_case, list, expected) => {
    expect(shape(list)).toBe(expected)
  })
})
