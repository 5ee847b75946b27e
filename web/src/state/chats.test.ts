import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ChatListItem, ChatListResponse } from '../../../protocol'

// The list's HTTP answer is played by the test: what is under test is how it meets the channel's frames.
const answers: { resolve: (res: ChatListResponse) => void }[] = []
vi.mock('../api/chats', () => ({
  listChats: () => new Promise<ChatListResponse>((resolve) => answers.push({ resolve })),
}))
const { applyChatRow, chats, dropChat, loadChats } = await import('./chats')

const row = (chatId: number, minute: number, unread = 0): ChatListItem => ({
  chat_id: chatId,
  is_group: false,
  name: `chat ${chatId}`,
  visibility: null,
  role: 'member',
  peer: null,
  last_message: null,
  last_activity_at: `2026-11-29T10:${String(minute).padStart(2, '0')}:00.000Z`,
  unread_count: unread,
})
const shown = () => chats.value.map((c) => [c.chat_id, c.unread_count])
const settle = () => new Promise((r) => setImmediate(r))

describe('the chat list and the live channel', () => {
  beforeEach(async () => {
    answers.length = 0
    const first = loadChats()
    answers[0]!.resolve({ chats: [] })
    await first
    answers.length = 0
  })

  // Frames that arrive while a (re)load is in flight: the load's answer may predate them.
  const duringReload: { name: string; frames: () => void; answer: ChatListItem[]; expected: number[][] }[] = [
    {
      name: 'a new chat the answer does not have yet',
      frames: () => applyChatRow(row(3, 30, 1), null),
      answer: [row(1, 10), row(2, 20)],
      expected: [
        [3, 1],
        [2, 0],
        [1, 0],
      ],
    },
    {
      name: 'a removal the answer does not have yet',
      frames: () => dropChat(2),
      answer: [row(1, 10), row(2, 20)],
      expected: [[1, 0]],
    },
    {
      name: 'a message, then the chat removed, in that order',
      frames: () => {
        applyChatRow(row(2, 40, 3), null)
        dropChat(2)
      },
      answer: [row(1, 10), row(2, 20)],
      expected: [[1, 0]],
    },
    {
      name: 'an unread count cleared on another device after a message',
      frames: () => {
        applyChatRow(row(1, 40, 1), null)
        applyChatRow(row(1, 40, 0), null)
      },
      answer: [row(1, 10), row(2, 20)],
      expected: [
        [1, 0],
        [2, 0],
      ],
    },
  ]
  for (const { name, frames, answer, expected } of duringReload) {
    it(`keeps ${name} when the reload answers`, async () => {
      const reload = loadChats()
      frames()
      answers[0]!.resolve({ chats: answer })
      await reload
      expect(shown()).toEqual(expected)
    })
  }

  it('shows a frame at once, before the reload answers', async () => {
    const reload = loadChats()
    applyChatRow(row(5, 50, 2), null)
    expect(shown()).toEqual([[5, 2]])
    answers[0]!.resolve({ chats: [] })
    await reload
  })

  it('does not replay frames from before a reload started', async () => {
    applyChatRow(row(1, 10, 4), null)
    const reload = loadChats()
    answers[0]!.resolve({ chats: [row(1, 10, 0)] })
    await reload
    expect(shown()).toEqual([[1, 0]])
  })

  it('uses the newest of two overlapping reloads, with the frames since it started', async () => {
    const older = loadChats()
    applyChatRow(row(1, 30, 1), null)
    const newer = loadChats()
    applyChatRow(row(2, 40, 1), null)
    answers[1]!.resolve({ chats: [row(1, 30, 1)] })
    await settle()
    answers[0]!.resolve({ chats: [] })
    await Promise.all([older, newer])
    expect(shown()).toEqual([
      [2, 1],
      [1, 1],
    ])
  })
})
