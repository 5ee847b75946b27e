import { describe, expect, it } from 'vitest'
import type { ChatListItem } from '../../../protocol'
import { documentTitle, removeChat, totalUnread, upsertChat } from './chat-list'

const row = (chatId: number, activity: string, unread = 0): ChatListItem => ({
  chat_id: chatId,
  is_group: true,
  name: `chat ${chatId}`,
  visibility: 'public',
  role: 'member',
  peer: null,
  last_message: null,
  last_activity_at: `2026-11-29T10:${activity}:00.000Z`,
  unread_count: unread,
})
const ids = (list: ChatListItem[]) => list.map((c) => c.chat_id)
const list = [row(1, '30'), row(2, '20'), row(3, '10')]

describe('upsertChat', () => {
  it.each([
    ['adds a new chat at the top when it is the newest', row(4, '40'), null, [4, 1, 2, 3]],
    ['adds a new chat by its activity, not at the end', row(4, '15'), null, [1, 2, 4, 3]],
    ['moves a chat with a new message to the top', row(3, '50', 1), null, [3, 1, 2]],
    ['keeps the position of a chat whose activity did not change', row(2, '20', 5), null, [1, 2, 3]],
    ['orders equal activity by the newer chat id first', row(5, '30'), null, [5, 1, 2, 3]],
  ])('%s', (_case, incoming, openChatId, expected) => {
    const next = upsertChat(list, incoming, openChatId)
    expect(ids(next)).toEqual(expected)
    expect(next.find((c) => c.chat_id === incoming.chat_id)).toEqual(incoming)
  })

  it.each([
    ['the open chat stays read', 3, 0],
    ['another chat keeps its unread count', 1, 2],
    ['no chat open', null, 2],
  ])('unread count when %s', (_case, openChatId, expected) => {
    const next = upsertChat(list, row(3, '50', 2), openChatId)
    expect(next.find((c) => c.chat_id === 3)?.unread_count).toBe(expected)
  })

  it('does not change the list it was given', () => {
    const before = structuredClone(list)
    upsertChat(list, row(1, '59', 9), null)
    expect(list).toEqual(before)
  })
})

describe('removeChat', () => {
  it('drops the row and keeps the order of the rest', () => {
    expect(ids(removeChat(list, 2))).toEqual([1, 3])
  })

  it('ignores a chat that is not listed', () => {
    expect(ids(removeChat(list, 9))).toEqual([1, 2, 3])
  })
})

describe('documentTitle', () => {
  it.each([
    [[], null, 'Edge Chat'],
    [[row(1, '10')], null, 'Edge Chat'],
    [[row(1, '10', 1)], null, '(1) Edge Chat'],
    [[row(1, '10', 2), row(2, '10', 0), row(3, '10', 1)], null, '(3) Edge Chat'],
    [[row(1, '10', 120)], null, '(120) Edge Chat'],
    [[row(1, '10', 1)], 'Team', '(1) Team · Edge Chat'],
    [[], 'Team', 'Team · Edge Chat'],
  ])('%j on page %s: %s', (rows, page, expected) => {
    expect(documentTitle(totalUnread(rows), page)).toBe(expected)
  })
})
