import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import type { MemberRole } from '../../../protocol/http'
import { deleteAccount } from '../../account/delete'
import { changePassword } from '../../account/password'
import { authenticate } from '../../auth/accounts'
import { rotateRefreshToken, createSession } from '../../auth/refresh-tokens'
import { addMember, openPrivateChat } from '../../chats/chats'
import type { Db } from '../../db/client'
import { chatMembers, chats, users } from '../../db/schema'
import { CHEAP_HASH, codeOf, newGroup, newUser, rooms, type OpenDb, type SignedUpUser } from './fixtures'

async function roleOf(db: Db, chatId: number, userId: number): Promise<MemberRole | null> {
  const row = await db.select({ role: chatMembers.role }).from(chatMembers).where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, userId))).get()
  return row?.role ?? null
}

/** A group owned by `owner` whose other members have the given roles and join times (ms after the owner's). */
async function groupWith(db: Db, owner: SignedUpUser, layout: [MemberRole, number][]): Promise<{ chatId: number; members: SignedUpUser[] }> {
  const chatId = await newGroup(db, owner)
  const members: SignedUpUser[] = []
  for (const [role, offsetMs] of layout) {
    const member = await newUser(db, 'member')
    await addMember(db, rooms, chatId, owner, member.id)
    await db
      .update(chatMembers)
      .set({ role, joinedAtMs: Date.now() + offsetMs })
      .where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, member.id)))
    members.push(member)
  }
  return { chatId, members }
}

export function accountSuite(openDb: OpenDb) {
  describe('deleteAccount', () => {
    it('refuses a wrong password and writes nothing', async () => {
      const db = openDb()
      const user = await newUser(db)
      expect(await codeOf(deleteAccount(db, user.id, 'not-the-password'))).toBe('invalid_credentials')
      await expect(authenticate(db, user.email, user.password, CHEAP_HASH)).resolves.toMatchObject({ id: user.id })
    })

    // [label, the other members as [role, join offset ms], index of the expected owner]
    const HAND_OVERS: [string, [MemberRole, number][], number][] = [
      ['an admin before an older member', [['member', 1000], ['admin', 3000], ['admin', 5000]], 1],
      ['the oldest admin', [['admin', 9000], ['admin', 2000], ['member', 1000]], 1],
      ['the oldest member', [['member', 7000], ['member', 4000], ['member', 6000]], 1],
      ['the lower user id when two joined at the same time', [['member', 5000], ['member', 5000]], 0],
    ]
    it.each(HAND_OVERS)('hands an owned group to %s', async (_label, layout, expected) => {
      const db = openDb()
      const owner = await newUser(db, 'owner')
      const { chatId, members } = await groupWith(db, owner, layout)
      const result = await deleteAccount(db, owner.id, owner.password)
      const ownerId = members[expected]!.id
      expect(result).toEqual({ userId: owner.id, leftChatIds: [chatId], deletedGroupIds: [], handedOver: [{ chatId, ownerId }] })
      const roles = await Promise.all(members.map((m) => roleOf(db, chatId, m.id)))
      expect(roles.map((r, i) => (r === 'owner' ? i : null)).filter((i) => i !== null)).toEqual([expected])
      expect(await roleOf(db, chatId, owner.id)).toBeNull()
    })

    it('deletes the groups nobody else is in, keeps the 1:1 chats, and tombstones the row', async () => {
      const db = openDb()
      const [me, peer] = [await newUser(db, 'me'), await newUser(db, 'peer')]
      const lonely = await newGroup(db, me)
      const { chatId: direct } = await openPrivateChat(db, me, peer.id)
      const result = await deleteAccount(db, me.id, me.password, 1_234_567)
      expect(result).toEqual({ userId: me.id, leftChatIds: [direct], deletedGroupIds: [lonely], handedOver: [] })
      expect(await db.select({ name: chats.name, deletedAtMs: chats.deletedAtMs }).from(chats).where(eq(chats.id, lonely)).get()).toEqual({ name: null, deletedAtMs: 1_234_567 })
      expect(await roleOf(db, direct, peer.id)).toBe('member')
      expect(await roleOf(db, direct, me.id)).toBeNull()
      const row = (await db.select().from(users).where(eq(users.id, me.id)).get())!
      expect(row).toMatchObject({ passwordHash: '', deletedAtMs: 1_234_567, online: false, lastSeenAtMs: null })
      expect([row.username, row.email, row.usernameCanonical, row.emailCanonical].join(' ')).not.toContain(me.username.toLowerCase())
      expect(await codeOf(rotateRefreshToken(db, me.refreshToken, undefined))).toBe('invalid_token')
      expect(await codeOf(authenticate(db, me.email, me.password, CHEAP_HASH))).toBe('invalid_credentials')
    })
  })

  describe('changePassword', () => {
    it("revokes the other sessions, keeps the caller's, and the new password signs in", async () => {
      const db = openDb()
      const [me, other] = [await newUser(db), await newUser(db)]
      const phone = await createSession(db, me.id, 'phone')
      expect(await changePassword(db, me, me.password, 'a-new-password', CHEAP_HASH)).toEqual([phone.sessionId])
      expect(await codeOf(rotateRefreshToken(db, phone.token, undefined))).toBe('invalid_token')
      await expect(rotateRefreshToken(db, me.refreshToken, undefined)).resolves.toMatchObject({ sessionId: me.sessionId })
      await expect(rotateRefreshToken(db, other.refreshToken, undefined)).resolves.toMatchObject({ sessionId: other.sessionId })
      expect(await codeOf(authenticate(db, me.email, me.password, CHEAP_HASH))).toBe('invalid_credentials')
      await expect(authenticate(db, me.email, 'a-new-password', CHEAP_HASH)).resolves.toMatchObject({ id: me.id })
    })

    it('refuses a wrong old password and revokes nothing', async () => {
      const db = openDb()
      const me = await newUser(db)
      const phone = await createSession(db, me.id, 'phone')
      expect(await codeOf(changePassword(db, me, 'wrong-password', 'a-new-password', CHEAP_HASH))).toBe('invalid_credentials')
      await expect(rotateRefreshToken(db, phone.token, undefined)).resolves.toMatchObject({ sessionId: phone.sessionId })
    })
  })
}
