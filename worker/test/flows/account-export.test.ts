import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { EXPORT_FILE_NAME, type AccountExport } from '../../../protocol/http'
import { exportAccount, streamPieces, type ExportRooms } from '../../account/export'
import { d1Db } from '../../db/client'
import { addToGroup, api, authed, createGroup, errorCode, json, sendMessage, signUp, type TestUser } from '../helpers'

async function openPrivate(a: TestUser, b: TestUser): Promise<number> {
  const res = await api('/chat/private/', authed(a.accessToken, json({ user_id: b.id })))
  return ((await res.json()) as { chat_id: number }).chat_id
}

/** Sends `count` messages alternating between `mine` and `theirs`; returns the texts `mine` sent, in order. */
async function converse(chatId: number, mine: TestUser, theirs: TestUser, count: number, label: string): Promise<string[]> {
  const sent: string[] = []
  for (let i = 0; i < count; i++) {
    const text = `${label} ${i} "quoted" \\ 😀`
    if (i % 3 === 2) {
      await sendMessage(chatId, theirs, `not mine ${i}`)
    } else {
      await sendMessage(chatId, mine, text)
      sent.push(text)
    }
  }
  return sent
}

/** `env.CHAT_ROOM` with every `messagesOf` call counted; the calls themselves reach the real rooms. */
function countingRooms(): { rooms: ExportRooms; calls: () => number } {
  let calls = 0
  const rooms: ExportRooms = {
    getByName(name) {
      const room = env.CHAT_ROOM.getByName(name)
      return {
        messagesOf(userId, after, limit) {
          calls++
          return room.messagesOf(userId, after, limit)
        },
      }
    },
  }
  return { rooms, calls: () => calls }
}

describe('GET /me/export/', () => {
  it('downloads the profile, the chats with their members, and exactly the user\'s own messages', async () => {
    const [me, friend, stranger] = await Promise.all([signUp('exporter'), signUp('friend'), signUp('stranger')])
    const group = await createGroup(me)
    await addToGroup(group, me, friend)
    const direct = await openPrivate(friend, me)
    const quiet = await createGroup(friend)
    await addToGroup(quiet, friend, me)
    const elsewhere = await createGroup(stranger)
    await sendMessage(elsewhere, stranger, 'not in any of my chats')
    const inGroup = await converse(group, me, friend, 12, 'group')
    const inDirect = await converse(direct, me, friend, 9, 'direct')

    const res = await api('/me/export/', authed(me.accessToken))
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Disposition')).toBe(`attachment; filename="${EXPORT_FILE_NAME}"`)
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/)
    expect(res.headers.get('Content-Length')).toBeNull()
    const body = (await res.json()) as AccountExport

    expect(body.profile).toMatchObject({ userid: me.id, username: me.username, email: me.email })
    expect(body.chats.map((c) => c.chat_id).sort()).toEqual([group, direct, quiet].sort())
    const byId = new Map(body.chats.map((c) => [c.chat_id, c]))
    expect(byId.get(group)!.messages.map((m) => m.message)).toEqual(inGroup)
    expect(byId.get(direct)!.messages.map((m) => m.message)).toEqual(inDirect)
    expect(byId.get(quiet)!.messages).toEqual([])
    expect(byId.get(direct)!.name).toBe(friend.username)
    expect(byId.get(group)!.members.map((m) => [m.userid, m.role])).toEqual([
      [me.id, 'owner'],
      [friend.id, 'member'],
    ])
    const seqs = byId.get(group)!.messages.map((m) => m.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
  })

  it('reads each chat page by page as the download is read, never ahead', async () => {
    const [me, friend] = await Promise.all([signUp('exporter'), signUp('friend')])
    const group = await createGroup(me)
    await addToGroup(group, me, friend)
    const mine = await converse(group, me, friend, 45, 'paged')
    const pageSize = 4
    const pages = Math.ceil(mine.length / pageSize)
    const { rooms, calls } = countingRooms()
    const stream = streamPieces(await exportAccount(d1Db(env.DB), rooms, me.id, pageSize), me.id)
    const reader = stream.getReader()
    const decoder = new TextDecoder()
    let text = ''
    // Head, then the chat's head: no room was asked yet.
    for (let i = 0; i < 2; i++) text += decoder.decode((await reader.read()).value)
    expect(calls()).toBe(0)
    // Each further piece is one page, fetched only when it is read.
    for (let page = 1; page <= 3; page++) {
      text += decoder.decode((await reader.read()).value)
      expect(calls()).toBe(page)
    }
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      text += decoder.decode(value)
    }
    expect(calls()).toBeGreaterThanOrEqual(pages)
    expect(calls()).toBeLessThanOrEqual(pages + 1)
    const body = JSON.parse(text) as AccountExport
    expect(body.chats[0]!.messages.map((m) => m.message)).toEqual(mine)
  })

  it('streams the HTTP body in several chunks', async () => {
    const [me, friend] = await Promise.all([signUp('exporter'), signUp('friend')])
    const direct = await openPrivate(me, friend)
    await converse(direct, me, friend, 6, 'chunked')
    const res = await api('/me/export/', authed(me.accessToken))
    const reader = res.body!.getReader()
    let chunks = 0
    while (!(await reader.read()).done) chunks++
    expect(chunks).toBeGreaterThan(2)
  })

  it('answers 401 without a token and for a deleted account', async () => {
    expect(await errorCode(await api('/me/export/'))).toBe('missing_token')
    const me = await signUp('gone')
    const del = await api('/me/', authed(me.accessToken, { ...json({ password: me.password }), method: 'DELETE' }))
    expect(del.status).toBe(200)
    const res = await api('/me/export/', authed(me.accessToken))
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('session_revoked')
  })
})
