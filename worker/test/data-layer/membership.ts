import { describe, expect, it } from 'vitest'
import type { MemberRole } from '../../../protocol/http'
import { addMember, openPrivateChat } from '../../chats/chats'
import { setMemberRole } from '../../chats/members'
import { requireMember } from '../../chats/membership'
import { codeOf, newGroup, newUser, rooms, type OpenDb } from './fixtures'

export function membershipSuite(openDb: OpenDb) {
  describe('requireMember', () => {
    it('returns the chat and role of a member', async () => {
      const db = openDb()
      const owner = await newUser(db, 'owner')
      const chatId = await newGroup(db, owner, 'private')
      const membership = await requireMember(db, chatId, owner.id, 'admin')
      expect(membership).toMatchObject({ userId: owner.id, role: 'owner', chat: { id: chatId, isGroup: true, visibility: 'private' } })
    })

    // [who asks, role required, expected code]: not_found, then not_member, then forbidden.
    const CHECKS: [string, 'owner' | 'admin' | 'member' | 'stranger' | 'no chat', MemberRole | undefined, string | null][] = [
      ['a missing chat', 'no chat', undefined, 'not_found'],
      ['a stranger', 'stranger', undefined, 'not_member'],
      ['a stranger, admin required', 'stranger', 'admin', 'not_member'],
      ['a member', 'member', undefined, null],
      ['a member, admin required', 'member', 'admin', 'forbidden'],
      ['an admin, admin required', 'admin', 'admin', null],
      ['an admin, owner required', 'admin', 'owner', 'forbidden'],
      ['the owner, owner required', 'owner', 'owner', null],
    ]

    it.each(CHECKS)('checks %s', async (_, who, role, code) => {
      const db = openDb()
      const [owner, admin, member, stranger] = [await newUser(db), await newUser(db), await newUser(db), await newUser(db)]
      const chatId = await newGroup(db, owner, 'private')
      await addMember(db, rooms, chatId, owner, admin.id)
      await addMember(db, rooms, chatId, owner, member.id)
      await setMemberRole(db, chatId, owner, { userId: admin.id, role: 'admin' })
      const users = { owner, admin, member, stranger, 'no chat': owner }
      expect(await codeOf(requireMember(db, who === 'no chat' ? 2 ** 31 - 1 : chatId, users[who].id, role))).toBe(code)
    })

    it('admits both people of a 1:1 chat and nobody else', async () => {
      const db = openDb()
      const [a, b, c] = [await newUser(db), await newUser(db), await newUser(db)]
      const { chatId } = await openPrivateChat(db, a, b.id)
      await expect(requireMember(db, chatId, a.id)).resolves.toMatchObject({ role: 'member', chat: { isGroup: false } })
      await expect(requireMember(db, chatId, b.id)).resolves.toMatchObject({ role: 'member' })
      expect(await codeOf(requireMember(db, chatId, c.id))).toBe('not_member')
    })
  })
}
