import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import type { MemberRole } from '../../../protocol/http'
import { addMember, createGroup, exploreGroups, joinGroup, openPrivateChat, removeMember } from '../../chats/chats'
import { listMembers, setMemberRole } from '../../chats/members'
import type { Db } from '../../db/client'
import { chatMembers, chats } from '../../db/schema'
import { codeOf, newGroup, newUser, uniqueName, type OpenDb, rooms, type SignedUpUser } from './fixtures'

/** A private group with one user of each role, plus a stranger. */
async function staffedGroup(db: Db) {
  const [owner, admin, member, stranger] = [await newUser(db, 'owner'), await newUser(db, 'admin'), await newUser(db, 'member'), await newUser(db, 'stranger')]
  const chatId = await newGroup(db, owner, 'private')
  await addMember(db, rooms, chatId, owner, admin.id)
  await addMember(db, rooms, chatId, owner, member.id)
  await setMemberRole(db, chatId, owner, { userId: admin.id, role: 'admin' })
  return { chatId, owner, admin, member, stranger }
}

type Cast = Awaited<ReturnType<typeof staffedGroup>>
type Who = 'owner' | 'admin' | 'member' | 'stranger'

const roleOf = async (db: Db, chatId: number, userId: number) =>
  (await db.select({ role: chatMembers.role }).from(chatMembers).where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, userId))).get())?.role ?? null

export function chatsSuite(openDb: OpenDb) {
  describe('createGroup', () => {
    it('writes the group and its owner together', async () => {
      const db = openDb()
      const me = await newUser(db)
      const name = uniqueName('group')
      const chat = await createGroup(db, me, { name, visibility: 'private' })
      expect(chat).toMatchObject({ id: expect.any(Number), isGroup: true, name, visibility: 'private', createdBy: me.id })
      expect(await roleOf(db, chat.id, me.id)).toBe('owner')
    })

    it('gives concurrent groups each their own owner row', async () => {
      const db = openDb()
      const users = [await newUser(db), await newUser(db), await newUser(db)]
      const groups = await Promise.all(users.map((u) => createGroup(db, u, { name: uniqueName('group'), visibility: 'public' })))
      for (const [i, group] of groups.entries()) {
        const members = await db.select().from(chatMembers).where(eq(chatMembers.chatId, group.id)).all()
        expect(members).toEqual([expect.objectContaining({ userId: users[i]!.id, role: 'owner' })])
      }
    })
  })

  describe('openPrivateChat', () => {
    it('creates the pair one chat under concurrent opens from both sides', async () => {
      const db = openDb()
      const [a, b] = [await newUser(db), await newUser(db)]
      const opened = await Promise.all([openPrivateChat(db, a, b.id), openPrivateChat(db, b, a.id), openPrivateChat(db, a, b.id)])
      expect(new Set(opened.map((o) => o.chatId)).size).toBe(1)
      expect(opened.filter((o) => o.created)).toHaveLength(1)
      expect(opened.map((o) => o.peerName)).toEqual([b.username, a.username, b.username])
      const chatId = opened[0]!.chatId
      expect(await db.select().from(chats).where(eq(chats.id, chatId)).get()).toMatchObject({ isGroup: false, directKey: `${Math.min(a.id, b.id)}:${Math.max(a.id, b.id)}` })
      const members = await db.select({ userId: chatMembers.userId }).from(chatMembers).where(eq(chatMembers.chatId, chatId)).all()
      expect(members.map((m) => m.userId).sort((x, y) => x - y)).toEqual([a.id, b.id].sort((x, y) => x - y))
    })

    it('refuses a chat with oneself (invalid_request) and with nobody (not_found)', async () => {
      const db = openDb()
      const me = await newUser(db)
      expect(await codeOf(openPrivateChat(db, me, me.id))).toBe('invalid_request')
      expect(await codeOf(openPrivateChat(db, me, 2 ** 31 - 1))).toBe('not_found')
    })
  })

  describe('joinGroup', () => {
    const CASES: [string, (db: Db, owner: SignedUpUser, joiner: SignedUpUser) => Promise<number>, string | null][] = [
      ['a public group', (db, owner) => newGroup(db, owner, 'public'), null],
      ['a private group', (db, owner) => newGroup(db, owner, 'private'), 'forbidden'],
      ['a 1:1 chat of others', async (db, owner) => (await openPrivateChat(db, owner, (await newUser(db)).id)).chatId, 'forbidden'],
      ['a missing chat', async () => 2 ** 31 - 1, 'not_found'],
    ]

    it.each(CASES)('answers %s', async (_, make, code) => {
      const db = openDb()
      const [owner, joiner] = [await newUser(db), await newUser(db)]
      const chatId = await make(db, owner, joiner)
      expect(await codeOf(joinGroup(db, rooms, chatId, joiner))).toBe(code)
      expect(await roleOf(db, chatId, joiner.id)).toBe(code === null ? 'member' : null)
    })

    it('joins once: a second join changes nothing', async () => {
      const db = openDb()
      const [owner, joiner] = [await newUser(db), await newUser(db)]
      const chatId = await newGroup(db, owner)
      const joins = await Promise.all([joinGroup(db, rooms, chatId, joiner), joinGroup(db, rooms, chatId, joiner)])
      expect(joins.map((j) => j.changed).sort()).toEqual([false, true])
      expect(await codeOf(joinGroup(db, rooms, chatId, owner))).toBeNull()
      expect(await roleOf(db, chatId, owner.id)).toBe('owner')
    })
  })

  describe('addMember', () => {
    const CASES: [Who, string | null][] = [
      ['owner', null],
      ['admin', null],
      ['member', 'forbidden'],
      ['stranger', 'not_member'],
    ]

    it.each(CASES)('lets the %s add someone: %s', async (who, code) => {
      const db = openDb()
      const cast = await staffedGroup(db)
      const newcomer = await newUser(db)
      expect(await codeOf(addMember(db, rooms, cast.chatId, cast[who], newcomer.id))).toBe(code)
      expect(await roleOf(db, cast.chatId, newcomer.id)).toBe(code === null ? 'member' : null)
    })

    it('answers not_found for a user that does not exist', async () => {
      const db = openDb()
      const cast = await staffedGroup(db)
      expect(await codeOf(addMember(db, rooms, cast.chatId, cast.owner, 2 ** 31 - 1))).toBe('not_found')
    })
  })

  describe('removeMember', () => {
    // [actor, target (null = leave), expected code]
    const CASES: [Who, Who | null, string | null][] = [
      ['member', null, null],
      ['admin', null, null],
      ['owner', null, 'forbidden'],
      ['owner', 'admin', null],
      ['owner', 'member', null],
      ['admin', 'member', null],
      ['admin', 'owner', 'forbidden'],
      ['member', 'admin', 'forbidden'],
      ['member', 'member', null],
      ['owner', 'stranger', 'not_found'],
      ['stranger', 'member', 'not_member'],
    ]

    it.each(CASES)('lets the %s remove %s: %s', async (actor, target, code) => {
      const db = openDb()
      const cast: Cast = await staffedGroup(db)
      const targetUser = cast[target ?? actor]
      const before = await roleOf(db, cast.chatId, targetUser.id)
      expect(await codeOf(removeMember(db, rooms, cast.chatId, cast[actor], target === null ? null : targetUser.id))).toBe(code)
      expect(await roleOf(db, cast.chatId, targetUser.id)).toBe(code === null ? null : before)
    })

    it('refuses to end a 1:1 membership', async () => {
      const db = openDb()
      const [a, b] = [await newUser(db), await newUser(db)]
      const { chatId } = await openPrivateChat(db, a, b.id)
      expect(await codeOf(removeMember(db, rooms, chatId, a, null))).toBe('forbidden')
      expect(await codeOf(removeMember(db, rooms, chatId, a, b.id))).toBe('forbidden')
    })
  })

  describe('setMemberRole', () => {
    // [actor, target, new role, expected code]
    const CASES: [Who, Who, Exclude<MemberRole, 'owner'>, string | null][] = [
      ['owner', 'member', 'admin', null],
      ['owner', 'admin', 'member', null],
      ['owner', 'owner', 'admin', 'invalid_request'],
      ['admin', 'member', 'admin', 'forbidden'],
      ['member', 'member', 'admin', 'forbidden'],
      ['owner', 'stranger', 'admin', 'not_found'],
      ['stranger', 'member', 'admin', 'not_member'],
    ]

    it.each(CASES)('lets the %s make the %s %s: %s', async (actor, target, role, code) => {
      const db = openDb()
      const cast = await staffedGroup(db)
      const before = await roleOf(db, cast.chatId, cast[target].id)
      expect(await codeOf(setMemberRole(db, cast.chatId, cast[actor], { userId: cast[target].id, role }))).toBe(code)
      expect(await roleOf(db, cast.chatId, cast[target].id)).toBe(code === null ? role : before)
    })
  })

  describe('listMembers', () => {
    it('lists members by rank to members only', async () => {
      const db = openDb()
      const cast = await staffedGroup(db)
      const members = await listMembers(db, cast.chatId, cast.member)
      expect(members.map((m) => [m.userid, m.role])).toEqual([
        [cast.owner.id, 'owner'],
        [cast.admin.id, 'admin'],
        [cast.member.id, 'member'],
      ])
      expect(await codeOf(listMembers(db, cast.chatId, cast.stranger))).toBe('not_member')
    })
  })

  describe('exploreGroups', () => {
    it('offers public groups the user has not joined, never private ones', async () => {
      const db = openDb()
      const [owner, me] = [await newUser(db), await newUser(db)]
      const open = await newGroup(db, owner, 'public')
      const closed = await newGroup(db, owner, 'private')
      const joined = await newGroup(db, owner, 'public')
      await joinGroup(db, rooms, joined, me)
      const offered = (await exploreGroups(db, me.id, 1000)).map((g) => g.chatId)
      expect(offered).toContain(open)
      expect(offered).not.toContain(closed)
      expect(offered).not.toContain(joined)
    })
  })
}
