import { describe, expect, it } from 'vitest'
import type { ChatListResponse, PrivateChatResponse } from '../../../protocol/http'
import { addToGroup, api, authed, createGroup, json, sendMessage, signUp, type TestUser } from '../helpers'

// Issue #9 item 5: a membership starts with nothing unread, whatever the chat held before; only
// messages stored after it count.

async function unreadOf(user: TestUser, chatId: number): Promise<number | undefined> {
  const res = await api('/chat/list/', authed(user.accessToken))
  expect(res.status).toBe(200)
  const { chats } = (await res.json()) as ChatListResponse
  return chats.find((c) => c.chat_id === chatId)?.unread_count
}

async function post(user: TestUser, path: string, body?: unknown): Promise<Response> {
  return api(path, authed(user.accessToken, body === undefined ? { method: 'POST' } : json(body)))
}

async function sendMany(chatId: number, from: TestUser, count: number, label: string): Promise<void> {
  for (let i = 1; i <= count; i++) await sendMessage(chatId, from, `${label} ${i}`)
}

/** How the membership of `user` starts, after `before` messages from `owner` were already stored where possible. */
interface Way {
  name: string
  start(owner: TestUser, user: TestUser, before: number): Promise<number>
}

const WAYS: Way[] = [
  {
    name: 'self-join of a public group',
    async start(owner, user, before) {
      const chatId = await createGroup(owner, 'public')
      await sendMany(chatId, owner, before, 'before')
      expect((await post(user, `/chat/${chatId}/add/`)).status).toBe(201)
      return chatId
    },
  },
  {
    name: 'added to a private group by its owner',
    async start(owner, user, before) {
      const chatId = await createGroup(owner, 'private')
      await sendMany(chatId, owner, before, 'before')
      await addToGroup(chatId, owner, user)
      return chatId
    },
  },
  {
    name: 'added by an admin',
    async start(owner, user, before) {
      const admin = await signUp('admin')
      const chatId = await createGroup(owner, 'private')
      await addToGroup(chatId, owner, admin)
      expect((await post(owner, `/chat/${chatId}/role/`, { user_id: admin.id, role: 'admin' })).status).toBe(200)
      await sendMany(chatId, owner, before, 'before')
      await addToGroup(chatId, admin, user)
      return chatId
    },
  },
  {
    name: 're-join after leaving, with messages stored while away',
    async start(owner, user, before) {
      const chatId = await createGroup(owner, 'public')
      expect((await post(user, `/chat/${chatId}/add/`)).status).toBe(201)
      await sendMany(chatId, owner, before, 'while in')
      expect((await post(user, `/chat/${chatId}/remove/`)).status).toBe(200)
      await sendMany(chatId, owner, before, 'while away')
      expect((await post(user, `/chat/${chatId}/add/`)).status).toBe(201)
      return chatId
    },
  },
  {
    name: 're-added by the owner after a removal',
    async start(owner, user, before) {
      const chatId = await createGroup(owner, 'private')
      await addToGroup(chatId, owner, user)
      expect((await post(owner, `/chat/${chatId}/remove/`, { user_id: user.id })).status).toBe(200)
      await sendMany(chatId, owner, before, 'while away')
      await addToGroup(chatId, owner, user)
      return chatId
    },
  },
  {
    // A new 1:1 chat has no earlier message: this checks that starting it leaves nothing unread for either side.
    name: 'a new 1:1 chat, opened by the other person',
    async start(owner, user) {
      const res = await post(owner, '/chat/private/', { user_id: user.id })
      expect(res.status).toBe(201)
      return ((await res.json()) as PrivateChatResponse).chat_id
    },
  },
  {
    name: 'a new 1:1 chat, opened by oneself',
    async start(owner, user) {
      const res = await post(user, '/chat/private/', { user_id: owner.id })
      expect(res.status).toBe(201)
      return ((await res.json()) as PrivateChatResponse).chat_id
    },
  },
]

describe('unread count when a membership starts', () => {
  for (const way of WAYS) {
    it(`starts at 0 and counts only later messages: ${way.name}`, async () => {
      const [owner, user] = await Promise.all([signUp('owner'), signUp('joiner')])
      const chatId = await way.start(owner, user, 5)
      expect(await unreadOf(user, chatId)).toBe(0)
      await sendMany(chatId, owner, 2, 'after')
      expect(await unreadOf(user, chatId)).toBe(2)
    })
  }

  it('starts at 0 for the creator of a group, who then counts others\' messages', async () => {
    const [owner, other] = await Promise.all([signUp('creator'), signUp('other')])
    const chatId = await createGroup(owner)
    expect(await unreadOf(owner, chatId)).toBe(0)
    await addToGroup(chatId, owner, other)
    await sendMany(chatId, other, 3, 'after')
    expect(await unreadOf(owner, chatId)).toBe(3)
  })

  it('leaves an existing member\'s unread messages unread when they are added or join again', async () => {
    const [owner, user] = await Promise.all([signUp('owner'), signUp('member')])
    const chatId = await createGroup(owner, 'public')
    await addToGroup(chatId, owner, user)
    await sendMany(chatId, owner, 3, 'unread')
    const again = await post(owner, `/chat/${chatId}/add/`, { user_id: user.id })
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ added: false })
    expect((await post(user, `/chat/${chatId}/add/`)).status).toBe(200)
    expect(await unreadOf(user, chatId)).toBe(3)
  })
})
