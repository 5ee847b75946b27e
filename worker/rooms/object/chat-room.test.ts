import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { MessageFrame } from '../../../protocol/socket'
import { addToGroup, api, authed, createGroup, historyMessages, lastSeqOf, openSocket, sendMessage, signUp } from '../../test/helpers'
import { ChatRoom } from './chat-room'
import { encodeMember, MEMBER_HEADER, readMember } from '../member'
import { openLog } from './log/store'
import { chatIdOf } from './room'
import { forgetSocket } from './sockets'

function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

describe('ChatRoom storage', () => {
  it("stores no plaintext: text only as AES-GCM ciphertext under the chat's data key", async () => {
    const owner = await signUp('cipher')
    const chatId = await createGroup(owner)
    const secret = 'the eagle lands at midnight'
    await sendMessage(chatId, owner, secret)
    // The member's message; the group's `created` system message is sealed the same way (system-messages.ts).
    const rows = await runInDurableObject(roomOf(chatId), (_instance, state) => state.storage.sql.exec("SELECT * FROM messages WHERE kind = 'message'").toArray())
    expect(rows).toHaveLength(1)
    const row = rows[0]!
    for (const value of Object.values(row)) {
      const text = value instanceof ArrayBuffer ? new TextDecoder('latin1').decode(value) : String(value)
      expect(text).not.toContain(secret)
      expect(text).not.toContain('eagle')
    }
    // Version 0: the chat's data key (crypto/data-keys.ts), not a MESSAGE_KEYS version.
    expect(row.key_version).toBe(0)
    expect(row.iv).toBeInstanceOf(ArrayBuffer)
    expect((row.iv as ArrayBuffer).byteLength).toBe(12)
    expect((await historyMessages(chatId, owner))[0]?.message).toBe(secret)
  })

  it('reports ciphertexts swapped between rows as unavailable and keeps serving', async () => {
    const owner = await signUp('swap')
    const chatId = await createGroup(owner)
    const base = await lastSeqOf(chatId)
    await sendMessage(chatId, owner, 'first')
    await sendMessage(chatId, owner, 'second')
    await sendMessage(chatId, owner, 'third')
    await runInDurableObject(roomOf(chatId), (_instance, state) => {
      const sql = state.storage.sql
      const [one, two] = sql.exec<{ iv: ArrayBuffer; ciphertext: ArrayBuffer }>('SELECT iv, ciphertext FROM messages WHERE seq IN (?, ?) ORDER BY seq', base + 1, base + 2).toArray()
      sql.exec('UPDATE messages SET iv = ?, ciphertext = ? WHERE seq = ?', two!.iv, two!.ciphertext, base + 1)
      sql.exec('UPDATE messages SET iv = ?, ciphertext = ? WHERE seq = ?', one!.iv, one!.ciphertext, base + 2)
    })
    expect((await historyMessages(chatId, owner)).map((m) => [m.seq, m.message])).toEqual([
      [base + 1, null],
      [base + 2, null],
      [base + 3, 'third'],
    ])
    const socket = await openSocket(chatId, owner.accessToken, { since: 0 })
    await socket.waitFor((f) => f.type === 'resumed')
    socket.send({ type: 'send', text: 'room still up' })
    expect(await socket.waitFor<MessageFrame>((f) => f.type === 'message' && f.seq === base + 4)).toMatchObject({ message: 'room still up' })
    const list = await api('/chat/list/', authed(owner.accessToken))
    expect(list.status).toBe(200)
  })
})

describe('ChatRoom hibernation', () => {
  it('keeps socket identity in attachments and tags: a fresh instance serves the old sockets', async () => {
    const [a, b] = await Promise.all([signUp('hib'), signUp('hib')])
    const chatId = await createGroup(a)
    await addToGroup(chatId, a, b)
    const base = await lastSeqOf(chatId)
    const sa = await openSocket(chatId, a.accessToken)
    const sb = await openSocket(chatId, b.accessToken)
    sa.send({ type: 'send', client_id: 'before', text: 'before' })
    await sb.waitFor((f) => f.type === 'message' && f.seq === base + 1)

    await runInDurableObject(roomOf(chatId), async (instance, state) => {
      // No field of the live instance holds sockets or per-socket state.
      for (const value of Object.values(instance)) {
        expect(value instanceof Map || value instanceof Set || Array.isArray(value) || value instanceof WebSocket).toBe(false)
      }
      const members = state.getWebSockets().map((ws) => readMember(ws))
      expect(members.map((m) => m?.userId).sort()).toEqual([a.id, b.id].sort())
      expect(members.find((m) => m?.userId === a.id)).toEqual({ userId: a.id, username: a.username, tokenExpiresAtMs: expect.any(Number), sessionId: expect.any(String) })
      const [oldSocket] = state.getWebSockets(String(a.id))
      expect(state.getTags(oldSocket!)).toEqual([String(a.id)])

      // What the runtime does after hibernation: a new instance over the same state, with no memory
      // of the socket, gets the next frame.
      forgetSocket(oldSocket!)
      const fresh = new ChatRoom(state, env)
      await fresh.webSocketMessage(oldSocket!, JSON.stringify({ type: 'send', client_id: 'after', text: 'after wake-up' }))
    })

    const after = await sb.waitFor<MessageFrame>((f) => f.type === 'message' && f.seq === base + 2)
    expect(after).toMatchObject({ sender: a.username, sender_id: a.id, message: 'after wake-up', client_id: 'after' })
    await sa.waitFor((f) => f.type === 'ack' && f.client_id === 'after' && f.seq === base + 2)
  })
})

/** The RPC's rejection, or null: an RpcPromise handed to `expect().rejects` gets probed into pipelined calls. */
function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => null,
    (err: unknown) => err,
  )
}

describe('ChatRoom chat id', () => {
  // Called in the object rather than through an RPC, whose rejection workerd also reports as an
  // uncaught exception of the object.
  it.each(['abc', '07', '0', '-1', '1.5', '1e3', ' 5', '5 ', '9007199254740993', ''])('refuses the name %j, which is not a canonical chat id', async (name) => {
    await runInDurableObject(env.CHAT_ROOM.getByName(`unnamed-${crypto.randomUUID()}`), (_instance, state) => {
      expect(() => chatIdOf(name, openLog(state.storage))).toThrow('a room named other than by a chat id')
    })
  })

  it('takes its chat id from its name', async () => {
    const owner = await signUp('named')
    const chatId = await createGroup(owner)
    expect(await rejectionOf(roomOf(chatId).history(null, 10))).toBe(null)
  })

  it('uses the chat id its first named call recorded when the instance has no name', async () => {
    const owner = await signUp('nameless')
    const chatId = await createGroup(owner)
    await sendMessage(chatId, owner, 'recorded')
    // What workerd 1.20260426.1 hands an instance that an alarm started: the same storage, no name.
    const nameless = await runInDurableObject(roomOf(chatId), (_instance, state) => chatIdOf(undefined, openLog(state.storage)))
    expect(nameless).toBe(chatId)
  })

  it('refuses to serve with neither a name nor a recorded chat id, or under a name the record contradicts', async () => {
    // A room nothing has called yet, so no chat id is recorded: creating a group would record one
    // (its `created` system message opens the room). No chat of a test run gets an id this high.
    const chatId = 1_000_000_000 + Math.floor(Math.random() * 1_000_000)
    await roomOf(chatId).lastSeq() // runs the object's migrations; reads no chat id
    await runInDurableObject(roomOf(chatId), (_instance, state) => {
      const db = openLog(state.storage)
      expect(() => chatIdOf(undefined, db)).toThrow()
      expect(chatIdOf(String(chatId), db)).toBe(chatId)
      expect(() => chatIdOf(String(chatId + 1), db)).toThrow()
    })
  })
})

describe('ChatRoom fetch', () => {
  it.each(['abc', '-1', '1.5', '1e3', '9007199254740993'])('answers invalid_request to a since of %j from the worker', async (since) => {
    const owner = await signUp('since')
    const chatId = await createGroup(owner)
    const member = encodeMember({ userId: owner.id, username: owner.username, tokenExpiresAtMs: Date.now() + 600_000 })
    const url = `https://room.internal/connect?since=${encodeURIComponent(since)}`
    const res = await env.CHAT_ROOM.getByName(String(chatId)).fetch(new Request(url, { headers: { Upgrade: 'websocket', [MEMBER_HEADER]: member } }))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request' } })
  })
})
