import { describe, expect, it } from 'vitest'
import type { MessageBody } from '../../../protocol/http'
import type { ServerFrame } from '../../../protocol/socket'
import type { ShardEntry } from '../shard/plan'
import { batchedPayloads, entryPayload, MESSAGES_FRAME_MAX, MESSAGES_FRAME_MAX_CHARS } from './fan-out'

function body(seq: number, kind: MessageBody['kind'] = 'message'): MessageBody {
  const base = { id: `id-${seq}`, seq, chat_id: 7, sender: 'ann', sender_id: 1, created_at: '2026-11-30T00:00:00.000Z', client_id: null, kind }
  return { ...base, message: `text ${seq}`, event: null, reply_to: null, edited_at: null, deleted: false, reactions: [], attachments: [] }
}

// Pattern letters: m = a message entry (body), s = a system message entry (body), u = a change entry
// (`message_updated` frame), f = a system message fed whole as a `message` frame (system-messages.ts).
function entriesOf(pattern: string): ShardEntry[] {
  return [...pattern].map((letter, i): ShardEntry => {
    const seq = i + 1
    switch (letter) {
      case 'm':
        return { seq, body: JSON.stringify(body(seq)) }
      case 's':
        return { seq, body: JSON.stringify(body(seq, 'system')) }
      case 'u':
        return { seq, frame: JSON.stringify({ type: 'message_updated', seq, message: body(1) }) }
      default:
        return { seq, frame: JSON.stringify({ type: 'message', ...body(seq, 'system') }) }
    }
  })
}

/** A frame as `type:seqs`, e.g. `messages:1,2` or `message_updated:3`. */
function shapeOf(payload: string): string {
  const frame = JSON.parse(payload) as ServerFrame
  if (frame.type === 'messages') return `messages:${frame.messages.map((m) => m.seq).join(',')}`
  if (frame.type === 'message' || frame.type === 'message_updated') return `${frame.type}:${frame.seq}`
  return frame.type
}

describe('batchedPayloads', () => {
  // [entries in seq order, the frames an edge-chat.v2 socket gets]
  const CASES: [string, string[]][] = [
    ['', []],
    ['m', ['message:1']],
    ['mm', ['messages:1,2']],
    ['mmmm', ['messages:1,2,3,4']],
    ['u', ['message_updated:1']],
    ['uu', ['message_updated:1', 'message_updated:2']],
    ['mu', ['message:1', 'message_updated:2']],
    ['um', ['message_updated:1', 'message:2']],
    ['mum', ['message:1', 'message_updated:2', 'message:3']],
    ['mmumm', ['messages:1,2', 'message_updated:3', 'messages:4,5']],
    ['ummmu', ['message_updated:1', 'messages:2,3,4', 'message_updated:5']],
    ['msm', ['messages:1,2,3']],
    ['mfm', ['message:1', 'message:2', 'message:3']],
  ]
  it.each(CASES)('coalesces only runs of 2+ message entries (%j)', (pattern, expected) => {
    expect(batchedPayloads(entriesOf(pattern)).map(shapeOf)).toEqual(expected)
  })

  it('carries every entry exactly as its edge-chat.v1 frame does, minus `type` inside a messages frame', () => {
    const entries = entriesOf('mmsumfm')
    const v1 = entries.map((e) => JSON.parse(entryPayload(e)) as ServerFrame)
    const v2 = batchedPayloads(entries).flatMap((p): ServerFrame[] => {
      const frame = JSON.parse(p) as ServerFrame
      return frame.type === 'messages' ? frame.messages.map((m) => ({ type: 'message' as const, ...m })) : [frame]
    })
    expect(v2).toEqual(v1)
    // The v1 frame built from a body is the text JSON.stringify of the whole frame gives.
    expect(entryPayload(entries[0]!)).toBe(JSON.stringify({ type: 'message', ...body(1) }))
  })
})

describe('batchedPayloads bounds one messages frame', () => {
  const long = (seq: number, chars: number): ShardEntry => ({ seq, body: JSON.stringify({ ...body(seq), message: 'x'.repeat(chars) }) })
  // [run, frames expected as message counts]
  const CASES: [string, ShardEntry[], number[]][] = [
    ['MESSAGES_FRAME_MAX messages in one frame', entriesOf('m'.repeat(MESSAGES_FRAME_MAX)), [MESSAGES_FRAME_MAX]],
    ['one more starts a second frame', entriesOf('m'.repeat(MESSAGES_FRAME_MAX + 1)), [MESSAGES_FRAME_MAX, 1]],
    ['250 messages: 100, 100, 50', entriesOf('m'.repeat(250)), [100, 100, 50]],
    ['long messages split by size', Array.from({ length: 6 }, (_, i) => long(i + 1, 100_000)), [2, 2, 2]],
    ['one message over the size bound still goes, alone', [long(1, MESSAGES_FRAME_MAX_CHARS + 10), long(2, 10)], [1, 1]],
  ]
  it.each(CASES)('%s', (_label, entries, counts) => {
    const payloads = batchedPayloads(entries)
    const frames = payloads.map((p) => JSON.parse(p) as ServerFrame)
    expect(frames.map((f) => (f.type === 'messages' ? f.messages.length : 1))).toEqual(counts)
    // Every message once, in seq order, and no messages frame over the bound unless it holds one message.
    expect(frames.flatMap((f) => (f.type === 'messages' ? f.messages.map((m) => m.seq) : f.type === 'message' ? [f.seq] : []))).toEqual(entries.map((e) => e.seq))
    for (const [i, f] of frames.entries()) if (f.type === 'messages') expect(payloads[i]!.length).toBeLessThan(MESSAGES_FRAME_MAX_CHARS + 100)
  })
})
