import { describe, expect, it } from 'vitest'
import type { MessageBody } from '../../../protocol/http'
import { MAX_FRAME_BYTES, SUBPROTOCOL, SUBPROTOCOL_V2, type MessageFrame } from '../../../protocol/socket'
import { addToGroup, closeCode, createGroup, errorCode, lastSeqOf, openSocket, ORIGIN, recordSocket, signUp, socketPath, upgrade, type TestUser } from '../helpers'

// Issue #9 item 8: `edge-chat.v1` is asked for with Sec-WebSocket-Protocol; a socket that asks for
// none is the seed's client and gets only message frames, in the seed's shape.

const MESSAGE_BODY_KEYS = ['chat_id', 'client_id', 'created_at', 'id', 'message', 'sender', 'sender_id', 'seq']

async function pair(): Promise<{ chatId: number; a: TestUser; b: TestUser }> {
  const [a, b] = await Promise.all([signUp('proto'), signUp('proto')])
  const chatId = await createGroup(a)
  await addToGroup(chatId, a, b)
  return { chatId, a, b }
}

describe('GET /ws/chat/<id>/ Sec-WebSocket-Protocol', () => {
  const OFFERS: { offer: string | null; status: number; selected: string | null; firstFrame: string | null }[] = [
    { offer: null, status: 101, selected: null, firstFrame: null },
    { offer: SUBPROTOCOL, status: 101, selected: SUBPROTOCOL, firstFrame: 'ready' },
    { offer: `foo, ${SUBPROTOCOL}`, status: 101, selected: SUBPROTOCOL, firstFrame: 'ready' },
    { offer: SUBPROTOCOL_V2, status: 101, selected: SUBPROTOCOL_V2, firstFrame: 'ready' },
    { offer: `${SUBPROTOCOL_V2}, ${SUBPROTOCOL}`, status: 101, selected: SUBPROTOCOL_V2, firstFrame: 'ready' },
    { offer: `${SUBPROTOCOL}, ${SUBPROTOCOL_V2}`, status: 101, selected: SUBPROTOCOL, firstFrame: 'ready' },
    { offer: `edge-chat.v3, ${SUBPROTOCOL_V2}`, status: 101, selected: SUBPROTOCOL_V2, firstFrame: 'ready' },
    { offer: 'foo', status: 400, selected: null, firstFrame: null },
    { offer: 'foo, bar', status: 400, selected: null, firstFrame: null },
    { offer: '', status: 101, selected: null, firstFrame: null },
    { offer: '  ', status: 101, selected: null, firstFrame: null },
  ]
  for (const row of OFFERS) {
    it(`answers an offer of ${JSON.stringify(row.offer)} with ${row.status}, selecting ${row.selected}`, async () => {
      const { chatId, a, b } = await pair()
      const headers: Record<string, string> = { Origin: ORIGIN }
      if (row.offer !== null) headers['Sec-WebSocket-Protocol'] = row.offer
      const res = await upgrade(socketPath(chatId, a.accessToken), headers)
      expect(res.status).toBe(row.status)
      expect(res.headers.get('Sec-WebSocket-Protocol')).toBe(row.selected)
      if (row.status !== 101) {
        expect(await errorCode(res)).toBe('invalid_request')
        return
      }
      const s = await recordSocket(res)
      // A message from someone else is the first frame a legacy socket can get: nothing came before it.
      const other = await openSocket(chatId, b.accessToken)
      other.send({ type: 'send', client_id: 'probe', text: 'probe' })
      await other.waitFor((f) => f.type === 'ack')
      const probe = await s.waitFor((f) => (f as unknown as MessageBody).client_id === 'probe')
      expect('type' in probe ? probe.type : null).toBe(row.selected === null ? null : 'message')
      expect(s.frames[0] && 'type' in s.frames[0] ? s.frames[0].type : null).toBe(row.firstFrame)
    })
  }
})

describe('a socket of the seed\'s client (no subprotocol)', () => {
  it('gets only message frames in the seed\'s shape through a whole conversation', async () => {
    const { chatId, a, b } = await pair()
    const base = await lastSeqOf(chatId)
    const legacy = await openSocket(chatId, a.accessToken, { subprotocol: null })
    const current = await openSocket(chatId, b.accessToken)
    await current.waitFor((f) => f.type === 'ready')

    legacy.send({ message: 'hello from the seed client' })
    current.send({ type: 'typing' })
    current.send({ type: 'send', client_id: 'b1', text: 'hello from edge-chat.v1' })
    legacy.send({ type: 'send', client_id: 'a1', text: 'an ack-worthy send' })
    legacy.send('not json')
    legacy.send({ type: 'send', text: '' })
    legacy.send({ type: 'ping' })
    legacy.send({ message: 'last' })
    // The four messages take seqs base+1..base+4 in whatever order the room handles the frames: the
    // test pool's in-process socket can hand a burst to webSocketMessage out of order (see
    // message-actions.test.ts), so 'last' need not be stored last. A socket gets its frames in seq
    // order, so the fourth seq means it has all four.
    const last = base + 4
    await current.waitFor((f) => f.type === 'message' && f.seq === last)
    await current.waitFor((f) => f.type === 'ack' && f.client_id === 'b1')
    await legacy.waitFor((f) => (f as unknown as MessageBody).seq === last)

    const frames = legacy.frames as unknown as Record<string, unknown>[]
    for (const frame of frames) expect(Object.keys(frame).sort()).toEqual(MESSAGE_BODY_KEYS)
    // Each socket gets every message once, in seq order; which message took which seq depends on the order the room handled the frames.
    const seqs = [base + 1, base + 2, base + 3, base + 4]
    expect(frames.map((f) => f.seq)).toEqual(seqs)
    expect(frames.map((f) => [f.message, f.sender]).sort()).toEqual(
      [
        ['hello from the seed client', a.username],
        ['hello from edge-chat.v1', b.username],
        ['an ack-worthy send', a.username],
        ['last', a.username],
      ].sort(),
    )
    // The edge-chat.v1 socket in the same room still gets its own shape, and the seed client's typing is relayed to nobody.
    const seen = current.frames.filter((f): f is MessageFrame => f.type === 'message').map((f) => f.seq)
    expect(seen).toEqual(seqs)
    expect(current.frames.some((f) => f.type === 'ack' && f.client_id === 'b1')).toBe(true)
  })

  it('still closes with a code on a frame over the size limit', async () => {
    const { chatId, a } = await pair()
    const legacy = await openSocket(chatId, a.accessToken, { subprotocol: null })
    legacy.send({ message: 'x'.repeat(MAX_FRAME_BYTES) })
    expect(await closeCode(legacy)).toBe(1009)
    expect(legacy.frames).toEqual([])
  })
})
