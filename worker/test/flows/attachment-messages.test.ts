import { createScheduledController } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { AttachmentBody, HistoryResponse } from '../../../protocol/http'
import type { AckFrame, ErrorFrame, MessageFrame } from '../../../protocol/socket'
import { deleteAttachmentsOf, deleteChatAttachments } from '../../attachments/cleanup'
import { IMAGE_FILES } from '../../attachments/sniff.fixtures'
import { DEFAULT_ATTACHMENT_CLAIM_SECONDS } from '../../config'
import { base64ToBytes } from '../../crypto/encoding'
import worker from '../../index'
import { download, objectsOf, pdfFile, rowsOf, uploadOk } from '../attachments'
import { addToGroup, api, authed, createGroup, openSocket, signUp, type TestSocket, type TestUser } from '../helpers'

const png = base64ToBytes(IMAGE_FILES.png)!

async function groupOf(...members: TestUser[]): Promise<number> {
  const chatId = await createGroup(members[0]!)
  for (const member of members.slice(1)) await addToGroup(chatId, members[0]!, member)
  return chatId
}

/** Sends attachments over `socket` and resolves with the ack or the error frame for `clientId`. */
async function sendAttachments(socket: TestSocket, clientId: string, ids: string[], text?: string): Promise<AckFrame | ErrorFrame> {
  socket.send({ type: 'send', client_id: clientId, attachments: ids, ...(text === undefined ? {} : { text }) })
  return socket.waitFor<AckFrame | ErrorFrame>((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === clientId)
}

async function claimedBy(chatId: number): Promise<Record<string, string | null>> {
  return Object.fromEntries((await rowsOf(chatId)).map((row) => [row.id as string, row.message_id as string | null]))
}

describe('send with attachments', () => {
  it('delivers the files with the message, in history and replays, and opens them to every member', async () => {
    const [owner, member] = await Promise.all([signUp('snd'), signUp('rcv')])
    const chatId = await groupOf(owner, member)
    const image = await uploadOk(owner, chatId, png, 'photo.png')
    const doc = await uploadOk(owner, chatId, pdfFile(1000), 'notes.pdf')
    const [sender, receiver] = await Promise.all([openSocket(chatId, owner.accessToken), openSocket(chatId, member.accessToken)])
    const ack = await sendAttachments(sender, 'c1', [doc.attachment_id, image.attachment_id])
    expect(ack.type).toBe('ack')
    const frame = await receiver.waitFor<MessageFrame>((f) => f.type === 'message' && f.client_id === 'c1')
    const expected: AttachmentBody[] = [doc, image]
    expect(frame.attachments).toEqual(expected)
    expect(frame.message).toBe('')
    expect(Object.values(await claimedBy(chatId))).toEqual([frame.id, frame.id])

    const history = (await (await api(`/chat/${chatId}/history/`, authed(member.accessToken))).json()) as HistoryResponse
    expect(history.messages.find((m) => m.id === frame.id)?.attachments).toEqual(expected)
    const replay = await openSocket(chatId, member.accessToken, { since: frame.seq - 1 })
    expect((await replay.waitFor<MessageFrame>((f) => f.type === 'message' && f.id === frame.id)).attachments).toEqual(expected)

    const res = await download(member, chatId, image.attachment_id)
    expect(res.status).toBe(200)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(png)
  })

  it('answers a resend of the same client_id as a duplicate with the same files', async () => {
    const owner = await signUp('resend')
    const chatId = await groupOf(owner)
    const file = await uploadOk(owner, chatId, png, 'a.png')
    const socket = await openSocket(chatId, owner.accessToken)
    const first = (await sendAttachments(socket, 'same', [file.attachment_id], 'hi')) as AckFrame
    socket.frames.length = 0
    const again = (await sendAttachments(socket, 'same', [file.attachment_id], 'hi')) as AckFrame
    expect(again).toMatchObject({ type: 'ack', id: first.id, seq: first.seq, duplicate: true })
    expect(await claimedBy(chatId)).toEqual({ [file.attachment_id]: first.id })
  })

  it.each([
    ['an unknown id', async () => ({ ids: [crypto.randomUUID()] })],
    ['another member\'s upload', async (c: Ctx) => ({ ids: [(await uploadOk(c.member, c.chatId, png)).attachment_id] })],
    ['an upload to another chat', async (c: Ctx) => ({ ids: [(await uploadOk(c.owner, await groupOf(c.owner), png)).attachment_id] })],
    ['an id already sent', async (c: Ctx) => {
      const id = (await uploadOk(c.owner, c.chatId, png)).attachment_id
      expect((await sendAttachments(c.socket, 'earlier', [id])).type).toBe('ack')
      return { ids: [id] }
    }],
    ['a valid id beside an unknown one', async (c: Ctx) => ({ ids: [(await uploadOk(c.owner, c.chatId, png)).attachment_id, crypto.randomUUID()] })],
  ])('refuses %s and claims nothing', async (_, make) => {
    const [owner, member] = await Promise.all([signUp('cl'), signUp('clm')])
    const chatId = await groupOf(owner, member)
    const socket = await openSocket(chatId, owner.accessToken)
    const { ids } = await make({ owner, member, chatId, socket })
    const before = await claimedBy(chatId)
    const reply = await sendAttachments(socket, 'refused', ids, 'text')
    expect(reply).toMatchObject({ type: 'error', code: 'invalid_request', field: 'attachments', client_id: 'refused' })
    expect(await claimedBy(chatId)).toEqual(before)
    expect(socket.frames.filter((f) => f.type === 'message' && f.client_id === 'refused')).toEqual([])
  })

  it('lets only one of two concurrent sends claim the same file', async () => {
    const owner = await signUp('race')
    const chatId = await groupOf(owner)
    const file = await uploadOk(owner, chatId, png)
    const [a, b] = await Promise.all([openSocket(chatId, owner.accessToken), openSocket(chatId, owner.accessToken)])
    const replies = await Promise.all([sendAttachments(a, 'ra', [file.attachment_id]), sendAttachments(b, 'rb', [file.attachment_id])])
    expect(replies.map((r) => r.type).sort()).toEqual(['ack', 'error'])
    const winner = replies.find((r) => r.type === 'ack') as AckFrame
    expect(await claimedBy(chatId)).toEqual({ [file.attachment_id]: winner.id })
  })
})

type Ctx = { owner: TestUser; member: TestUser; chatId: number; socket: TestSocket }

describe('deleting attachments', () => {
  it('the cron deletes unclaimed uploads older than the claim time, rows and objects, and keeps the rest', async () => {
    const owner = await signUp('gc')
    const chatId = await groupOf(owner)
    const [stale, fresh, sent] = await Promise.all([uploadOk(owner, chatId, png, 'stale.png'), uploadOk(owner, chatId, png, 'fresh.png'), uploadOk(owner, chatId, png, 'sent.png')])
    const socket = await openSocket(chatId, owner.accessToken)
    expect((await sendAttachments(socket, 'keep', [sent.attachment_id])).type).toBe('ack')
    const longAgo = Date.now() - (DEFAULT_ATTACHMENT_CLAIM_SECONDS + 60) * 1000
    await env.DB.prepare('UPDATE attachments SET created_at_ms = ? WHERE id IN (?, ?)').bind(longAgo, stale.attachment_id, sent.attachment_id).run()

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '*/15 * * * *' }), env)

    expect(Object.keys(await claimedBy(chatId)).sort()).toEqual([fresh.attachment_id, sent.attachment_id].sort())
    expect(await objectsOf(chatId)).toEqual([`chats/${chatId}/${fresh.attachment_id}`, `chats/${chatId}/${sent.attachment_id}`].sort())
  })

  it('deleteAttachmentsOf removes the files of the given messages only', async () => {
    const owner = await signUp('delmsg')
    const chatId = await groupOf(owner)
    const [one, two] = await Promise.all([uploadOk(owner, chatId, png), uploadOk(owner, chatId, png)])
    const socket = await openSocket(chatId, owner.accessToken)
    const first = (await sendAttachments(socket, 'm1', [one.attachment_id])) as AckFrame
    expect((await sendAttachments(socket, 'm2', [two.attachment_id])).type).toBe('ack')
    expect(await deleteAttachmentsOf(env, chatId, [first.id])).toBe(1)
    expect(Object.keys(await claimedBy(chatId))).toEqual([two.attachment_id])
    expect(await objectsOf(chatId)).toEqual([`chats/${chatId}/${two.attachment_id}`])
    expect((await download(owner, chatId, one.attachment_id)).status).toBe(404)
  })

  it('a delete frame removes the message\'s files; history shows it deleted with none', async () => {
    const [owner, member] = await Promise.all([signUp('delfrm'), signUp('delfrm2')])
    const chatId = await groupOf(owner, member)
    const [one, two] = await Promise.all([uploadOk(owner, chatId, png), uploadOk(owner, chatId, png)])
    const socket = await openSocket(chatId, owner.accessToken)
    const gone = (await sendAttachments(socket, 'd1', [one.attachment_id])) as AckFrame
    expect((await sendAttachments(socket, 'd2', [two.attachment_id])).type).toBe('ack')
    socket.send({ type: 'delete', seq: gone.seq })
    await socket.waitFor((f) => f.type === 'message_updated' && f.message.seq === gone.seq)
    await expect.poll(async () => Object.keys(await claimedBy(chatId))).toEqual([two.attachment_id])
    expect(await objectsOf(chatId)).toEqual([`chats/${chatId}/${two.attachment_id}`])
    expect((await download(member, chatId, one.attachment_id)).status).toBe(404)
    const history = (await (await api(`/chat/${chatId}/history/`, authed(member.accessToken))).json()) as HistoryResponse
    const deleted = history.messages.find((m) => m.seq === gone.seq)
    expect(deleted?.deleted).toBe(true)
    expect(deleted?.attachments).toEqual([])
  })

  it('deleteChatAttachments removes every file of the chat, sent or not, and no other chat\'s', async () => {
    const owner = await signUp('delchat')
    const [chatId, otherChat] = await Promise.all([groupOf(owner), groupOf(owner)])
    const sent = await uploadOk(owner, chatId, png)
    await uploadOk(owner, chatId, png)
    await uploadOk(owner, otherChat, png)
    const socket = await openSocket(chatId, owner.accessToken)
    expect((await sendAttachments(socket, 'x', [sent.attachment_id])).type).toBe('ack')
    expect(await deleteChatAttachments(env, chatId)).toBe(2)
    expect(await rowsOf(chatId)).toEqual([])
    expect(await objectsOf(chatId)).toEqual([])
    expect(await objectsOf(otherChat)).toHaveLength(1)
  })
})
