import { describe, expect, it } from 'vitest'
import type { MeResponse } from '../../../protocol/http'
import type { ReadNoticeFrame, ReadyFrame, ServerFrame } from '../../../protocol/socket'
import { addToGroup, api, authed, createGroup, errorCode, form, json, openSocket, sendMessage, signUp, type TestSocket, type TestUser } from '../helpers'

function patchMe(user: TestUser, body: unknown): Promise<Response> {
  return api('/me/', authed(user.accessToken, { ...json(body), method: 'PATCH' }))
}

const readBy = (userId: number, seq?: number) => (f: ServerFrame) => f.type === 'read' && f.user_id === userId && (seq === undefined || f.seq === seq)

/** Everything the room sent this socket before now: the room answers pings in order. */
async function sync(socket: TestSocket): Promise<void> {
  const pongs = socket.frames.filter((f) => f.type === 'pong').length
  socket.send({ type: 'ping' })
  await socket.waitFor(() => socket.frames.filter((f) => f.type === 'pong').length > pongs)
}

async function groupOfThree() {
  const [a, b, c] = await Promise.all([signUp('a'), signUp('b'), signUp('c')])
  const chatId = await createGroup(a)
  await addToGroup(chatId, a, b)
  await addToGroup(chatId, a, c)
  const seq = await sendMessage(chatId, a, 'read me')
  await sendMessage(chatId, a, 'and me')
  return { a, b, c, chatId, seq }
}

describe('GET and PATCH /me/', () => {
  it('has read receipts on by default and turns them off and on', async () => {
    const user = await signUp('me')
    const me = (await (await api('/me/', authed(user.accessToken))).json()) as MeResponse
    expect(me.user).toMatchObject({ userid: user.id, read_receipts: true })
    const off = await patchMe(user, { read_receipts: false })
    expect(off.status).toBe(200)
    expect(((await off.json()) as MeResponse).user.read_receipts).toBe(false)
    const on = await api('/me/', authed(user.accessToken, { ...form({ read_receipts: 'true' }), method: 'PATCH' }))
    expect(((await on.json()) as MeResponse).user.read_receipts).toBe(true)
  })

  it.each([
    ['no field', {}],
    ['a string', { read_receipts: 'maybe' }],
    ['a number', { read_receipts: 2 }],
    ['null', { read_receipts: null }],
  ])('refuses %s with 400 invalid_request', async (_name, body) => {
    const user = await signUp('bad')
    const res = await patchMe(user, body)
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('invalid_request')
  })

  it('needs a token', async () => {
    const res = await api('/me/', { ...json({ read_receipts: false }), method: 'PATCH' })
    expect(await errorCode(res)).toBe('missing_token')
  })
})

describe('read receipts', () => {
  it('tells the other members when a read position moves, once per move', async () => {
    const { a, b, chatId, seq } = await groupOfThree()
    const [ra, rb] = await Promise.all([openSocket(chatId, a.accessToken), openSocket(chatId, b.accessToken)])
    await Promise.all([ra.waitFor((f) => f.type === 'ready'), rb.waitFor((f) => f.type === 'ready')])
    rb.send({ type: 'read', seq })
    expect(await ra.waitFor<ReadNoticeFrame>(readBy(b.id))).toEqual({ type: 'read', user_id: b.id, seq })
    rb.send({ type: 'read', seq })
    rb.send({ type: 'read', seq: 9999 })
    await ra.waitFor(readBy(b.id, seq + 1))
    await Promise.all([sync(rb), sync(ra)])
    // No repeat for the same seq, a seq past the last stored message is clamped, the reader hears nothing of its own.
    expect(ra.frames.filter(readBy(b.id)).map((f) => (f as ReadNoticeFrame).seq)).toEqual([seq, seq + 1])
    expect(rb.frames.some(readBy(b.id))).toBe(false)
  })

  it('lists the others’ positions in ready, without members who turned receipts off', async () => {
    const { a, b, c, chatId, seq } = await groupOfThree()
    await patchMe(c, { read_receipts: false })
    for (const reader of [b, c]) {
      const socket = await openSocket(chatId, reader.accessToken)
      socket.send({ type: 'read', seq })
      await sync(socket)
    }
    const ra = await openSocket(chatId, a.accessToken)
    const ready = await ra.waitFor<ReadyFrame>((f) => f.type === 'ready')
    expect(ready.reads).toContainEqual({ user_id: b.id, seq })
    expect(ready.reads.some((r) => r.user_id === c.id)).toBe(false)
    const rc = await openSocket(chatId, c.accessToken)
    expect((await rc.waitFor<ReadyFrame>((f) => f.type === 'ready')).reads).toEqual([])
  })

  it('never lists the position of someone whose membership ended, for a newcomer or anyone', async () => {
    const { a, b, c, chatId, seq } = await groupOfThree()
    const socket = await openSocket(chatId, c.accessToken)
    socket.send({ type: 'read', seq })
    await sync(socket)
    // c leaves; d joins later and never shared the chat with c.
    expect((await api(`/chat/${chatId}/remove/`, authed(c.accessToken, json({})))).status).toBe(200)
    const d = await signUp('d')
    await addToGroup(chatId, a, d)
    for (const viewer of [a, b, d]) {
      const room = await openSocket(chatId, viewer.accessToken)
      const ready = await room.waitFor<ReadyFrame>((f) => f.type === 'ready')
      expect(ready.reads.some((r) => r.user_id === c.id)).toBe(false)
    }
  })

  it('neither sends nor shows receipts for a member who turns them off while connected', async () => {
    const { a, b, c, chatId, seq } = await groupOfThree()
    const [ra, rb, rc] = await Promise.all([a, b, c].map((u) => openSocket(chatId, u.accessToken)))
    await Promise.all([ra, rb, rc].map((s) => s!.waitFor((f) => f.type === 'ready')))
    expect((await patchMe(b, { read_receipts: false })).status).toBe(200)
    rb!.send({ type: 'read', seq })
    await sync(rb!)
    ra!.send({ type: 'read', seq })
    rc!.send({ type: 'read', seq })
    await ra!.waitFor(readBy(c.id, seq))
    await Promise.all([sync(ra!), sync(rb!)])
    expect(ra!.frames.some(readBy(b.id))).toBe(false)
    expect(rb!.frames.some((f) => f.type === 'read')).toBe(false)
    // Back on: both ways again.
    await patchMe(b, { read_receipts: true })
    rb!.send({ type: 'read', seq: seq + 1 })
    await ra!.waitFor(readBy(b.id, seq + 1))
    rc!.send({ type: 'read', seq: seq + 1 })
    await rb!.waitFor(readBy(c.id, seq + 1))
  })

  it('stops telling a member who was removed', async () => {
    const { a, b, c, chatId, seq } = await groupOfThree()
    const rc = await openSocket(chatId, c.accessToken)
    await rc.waitFor((f) => f.type === 'ready')
    await api(`/chat/${chatId}/remove/`, authed(a.accessToken, json({ user_id: c.id })))
    await rc.closed
    const rb = await openSocket(chatId, b.accessToken)
    rb.send({ type: 'read', seq })
    await sync(rb)
    expect(rc.frames.some((f) => f.type === 'read')).toBe(false)
  })
})
