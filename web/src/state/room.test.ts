import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ClientFrame, MessageBody, ServerFrame } from '../../../protocol'
import type { RoomSocketOptions } from '../api/socket'

// The room's state as its socket feeds it. The network is played by the test: the socket hands the
// frames the test writes to the real handler, and history starts empty.
const wire = vi.hoisted(() => {
  // The module listens for visibility changes when it loads; Node has no document.
  vi.stubGlobal('document', { visibilityState: 'visible', addEventListener: () => {} })
  return { onFrame: null as ((frame: ServerFrame) => void) | null, sent: [] as ClientFrame[] }
})
vi.mock('../api/socket', () => ({
  connectRoom: (options: Pick<RoomSocketOptions, 'onFrame' | 'onStatus'>) => {
    wire.onFrame = options.onFrame
    return {
      send: (frame: ClientFrame) => {
        wire.sent.push(frame)
        return true
      },
      stop: () => {},
    }
  },
}))
vi.mock('../api/chats', () => ({
  fetchHistory: async () => ({ messages: [], has_more: false }),
  listChats: () => new Promise(() => {}),
}))
const { closeRoom, messages, openRoom, sendMessage, typingName } = await import('./room')
const { user } = await import('./session')

const CHAT_ID = 7
const ME = { userid: 1, username: 'me', email: 'me@example.test', read_receipts: true }

function body(seq: number): MessageBody {
  return { id: `id-${seq}`, seq, chat_id: CHAT_ID, sender: 'ann', sender_id: 2, message: `m ${seq}`, created_at: '2026-11-30T07:00:00.000Z', client_id: null, kind: 'message', event: null, reply_to: null, edited_at: null, deleted: false, reactions: [], attachments: [] }
}

/** Opens the room, sends one message of ours (pending until the room confirms it), then plays `frames`. */
async function play(frames: (own: string) => ServerFrame[]) {
  user.value = ME as typeof user.value
  await openRoom(CHAT_ID)
  expect(sendMessage('mine')).toBe(true)
  const own = messages.value.find((m) => m.status === 'pending')!.clientId!
  typingName.value = 'ann'
  for (const frame of frames(own)) wire.onFrame!(frame)
  return { shown: messages.value.map((m) => [m.seq, m.text, m.status, m.clientId === own]), typing: typingName.value, reads: wire.sent.filter((f) => f.type === 'read') }
}

const batchOf = (own: string) => [body(1), { ...body(2), sender: 'me', sender_id: 1, message: 'mine', client_id: own }, body(3)]

describe('the room state and its socket frames', () => {
  afterEach(() => {
    closeRoom()
    wire.sent.length = 0
  })

  it('applies a messages frame exactly as the same messages in message frames', async () => {
    const asBatch = await play((own) => [{ type: 'messages', messages: batchOf(own) }])
    closeRoom()
    wire.sent.length = 0
    const oneByOne = await play((own) => batchOf(own).map((m): ServerFrame => ({ type: 'message', ...m })))
    expect({ ...asBatch, reads: asBatch.reads.at(-1) }).toEqual({ ...oneByOne, reads: oneByOne.reads.at(-1) })
    // Every message once, in seq order, our pending copy replaced by the stored one; typing cleared
    // by ann's message; the read position reaches the newest, in one receipt instead of one per message.
    expect(asBatch.shown).toEqual([
      [1, 'm 1', 'sent', false],
      [2, 'mine', 'sent', true],
      [3, 'm 3', 'sent', false],
    ])
    expect(asBatch.typing).toBe(null)
    expect(asBatch.reads).toEqual([{ type: 'read', seq: 3 }])
  })

  it('ignores the messages of another chat in a frame, and adds a seq it already shows once', async () => {
    const { shown } = await play(() => [
      { type: 'message', ...body(1) },
      { type: 'messages', messages: [body(1), body(2), { ...body(3), chat_id: CHAT_ID + 1 }] },
    ])
    expect(shown.filter(([seq]) => seq !== null).map(([seq]) => seq)).toEqual([1, 2])
  })
})
