import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import { DELETED_USER_NAME, type CreatedInviteBody, type HistoryResponse, type MessageBody } from '../../../protocol/http'
import { deleteAccount as deleteAccountRows } from '../../account/delete'
import { addMember, joinGroup } from '../../chats/chats'
import { joinByInvite } from '../../chats/invites'
import { d1Db } from '../../db/client'
import { addToGroup, api, authed, createGroup, errorCode, freshUserIds, json, roomGate, sendMessage, signUp, type TestUser } from '../helpers'

// Issue #14's review: account deletions racing each other and racing joins, and the hand-over's
// system message. Races run several rounds (fresh users each): the outcome asserted holds in every
// order the database can put the two requests in.

const ROUNDS = 10

// The joins here must not count against another file's rate-limit test (see freshUserIds).
beforeEach(freshUserIds)

function deleteMe(user: TestUser): Promise<Response> {
  return api('/me/', authed(user.accessToken, { ...json({ password: user.password }), method: 'DELETE' }))
}

async function invite(chatId: number, by: TestUser): Promise<CreatedInviteBody> {
  const res = await api(`/chat/${chatId}/invites/`, authed(by.accessToken, json({})))
  expect(res.status).toBe(201)
  return (await res.json()) as CreatedInviteBody
}

function joinByCode(user: TestUser, code: string): Promise<Response> {
  return api(`/join/${code}/`, authed(user.accessToken, { method: 'POST' }))
}

/** Every log entry of the chat as `user` reads it: members' and system messages. */
async function history(chatId: number, user: TestUser): Promise<MessageBody[]> {
  const res = await api(`/chat/${chatId}/history/`, authed(user.accessToken))
  expect(res.status).toBe(200)
  return ((await res.json()) as HistoryResponse).messages
}

const count = (sql: string, ...args: unknown[]) => env.DB.prepare(sql).bind(...args).first<number>('n')

/** The group is gone everywhere: no live row, no member, no invite, its key destroyed, its room empty, 404 to anyone. */
async function expectGroupDeleted(chatId: number, outsider: TestUser, code: string): Promise<void> {
  const join = await joinByCode(outsider, code)
  expect([join.status, await errorCode(join)]).toEqual([404, 'not_found'])
  const read = await api(`/chat/${chatId}/history/`, authed(outsider.accessToken))
  expect([read.status, await errorCode(read)]).toEqual([404, 'not_found'])
  expect(await count('SELECT count(*) AS n FROM chat_members WHERE chat_id = ?', chatId)).toBe(0)
  expect(await count('SELECT count(*) AS n FROM invites WHERE chat_id = ?', chatId)).toBe(0)
  expect(await count('SELECT count(*) AS n FROM chat_keys WHERE chat_id = ? AND wrapped_key IS NOT NULL', chatId)).toBe(0)
  expect(await env.CHAT_ROOM.getByName(String(chatId)).lastSeq()).toBe(0)
  expect(await count('SELECT count(*) AS n FROM chats WHERE id = ? AND deleted_at_ms IS NULL', chatId)).toBe(0)
}

describe('DELETE /me/ racing', { timeout: 60_000 }, () => {
  it.each([
    ['the owner first', 0],
    ['the member first', 1],
  ] as const)('deletes a group whose owner and only other member delete their accounts at once (%s in the call)', async (_label, first) => {
    for (let round = 0; round < ROUNDS; round++) {
      const [owner, member, outsider] = await Promise.all([signUp('owner'), signUp('member'), signUp('outsider')])
      const group = await createGroup(owner, 'private')
      await addToGroup(group, owner, member)
      await sendMessage(group, member, 'soon gone')
      const { code } = await invite(group, owner)
      const pair = first === 0 ? [owner, member] : [member, owner]
      const answers = await Promise.all(pair.map(deleteMe))
      expect(answers.map((r) => r.status)).toEqual([200, 200])
      await expectGroupDeleted(group, outsider, code)
    }
  })

  // [route, how the outsider joins]: a public group by id, or any group by an invite link.
  it.each([
    ['POST /chat/<id>/add/', 'add'],
    ['POST /join/<code>/', 'invite'],
  ] as const)('answers %s racing the deletion of the only member with 201 or 404, never 500, and leaves one consistent state', async (_label, how) => {
    const outcomes = new Set<number>()
    for (let round = 0; round < ROUNDS; round++) {
      const [owner, joiner] = await Promise.all([signUp('owner'), signUp('joiner')])
      const group = await createGroup(owner, 'public')
      const { code } = await invite(group, owner)
      const join = how === 'add' ? api(`/chat/${group}/add/`, authed(joiner.accessToken, json({}))) : joinByCode(joiner, code)
      const [deleted, joined] = await Promise.all([deleteMe(owner), join])
      expect(deleted.status).toBe(200)
      outcomes.add(joined.status)
      const members = await count('SELECT count(*) AS n FROM chat_members WHERE chat_id = ?', group)
      if (joined.status === 201) {
        // Joined first: the group was handed to the joiner, who is now its owner.
        expect(await env.DB.prepare('SELECT role FROM chat_members WHERE chat_id = ? AND user_id = ?').bind(group, joiner.id).first('role')).toBe('owner')
        expect(members).toBe(1)
      } else {
        expect([joined.status, await errorCode(joined)]).toEqual([404, 'not_found'])
        expect(members).toBe(0)
        expect(await env.CHAT_ROOM.getByName(String(group)).lastSeq()).toBe(0)
      }
    }
    expect([...outcomes].every((s) => s === 201 || s === 404)).toBe(true)
  })

  // Deterministic: the deletion lands between the join's checks and its write (inside the room call).
  it.each([
    ['joinGroup (a public group by id)', 'add'],
    ['joinByInvite', 'invite'],
  ] as const)('%s refuses with 404 a group deleted after it was found, and undoes the room admission', async (_label, how) => {
    const db = d1Db(env.DB)
    const [owner, joiner] = await Promise.all([signUp('owner'), signUp('joiner')])
    const group = await createGroup(owner, 'public')
    await sendMessage(group, owner, 'before')
    const { code } = await invite(group, owner)
    const gate = roomGate((room) => ({
      admit: async (userId) => {
        await deleteAccountRows(db, owner.id, owner.password)
        return room.admit(userId)
      },
    }))
    const joinee = { id: joiner.id, username: joiner.username, sessionId: '', expiresAt: 0 }
    const attempt = how === 'add' ? joinGroup(db, gate, group, joinee) : joinByInvite(db, gate, code, joinee)
    await expect(attempt).rejects.toMatchObject({ code: 'not_found' })
    expect(await count('SELECT count(*) AS n FROM chat_members WHERE chat_id = ?', group)).toBe(0)
    expect(await count('SELECT uses AS n FROM invites WHERE chat_id = ?', group)).toBeNull()
    expect(await env.CHAT_ROOM.getByName(String(group)).lastSeq()).toBe(0)
  })
})

describe("DELETE /me/ of the joiner racing their join", { timeout: 60_000 }, () => {
  // Deterministic: the joiner's account is deleted after the room admitted them, before the D1 write.
  it.each([
    ['joinGroup (a public group by id)', 'join'],
    ['addMember (by the owner)', 'add'],
    ['joinByInvite', 'invite'],
  ] as const)('%s writes no membership and undoes the room admission', async (_label, how) => {
    const db = d1Db(env.DB)
    const [owner, joiner] = await Promise.all([signUp('owner'), signUp('joiner')])
    const group = await createGroup(owner, 'public')
    await sendMessage(group, owner, 'before')
    const { code } = await invite(group, owner)
    const gate = roomGate((room) => ({
      admit: async (userId) => {
        const admitted = await room.admit(userId)
        await deleteAccountRows(db, joiner.id, joiner.password)
        return admitted
      },
    }))
    const joinee = { id: joiner.id, username: joiner.username, sessionId: '', expiresAt: 0 }
    const ownerActor = { id: owner.id, username: owner.username, sessionId: '', expiresAt: 0 }
    const attempt =
      how === 'join' ? joinGroup(db, gate, group, joinee) : how === 'add' ? addMember(db, gate, group, ownerActor, joiner.id) : joinByInvite(db, gate, code, joinee)
    await expect(attempt).rejects.toMatchObject({ code: 'not_found' })
    expect(await count('SELECT count(*) AS n FROM chat_members WHERE chat_id = ? AND user_id = ?', group, joiner.id)).toBe(0)
    const inRoom = await runInDurableObject(env.CHAT_ROOM.getByName(String(group)), (_i, state) =>
      state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM members WHERE user_id = ?', joiner.id).one().n,
    )
    expect(inRoom, 'the room admission was undone').toBe(0)
  })
})

describe('DELETE /me/ twice at once', { timeout: 60_000 }, () => {
  it('answers 200 once and 401 session_revoked to the other tab, whichever runs first', async () => {
    for (let round = 0; round < 4; round++) {
      const user = await signUp(`twice${round}`)
      const login = await api('/login/', json({ Email: user.email, Password: user.password }))
      const otherTab = { ...user, accessToken: ((await login.json()) as { access_token: string }).access_token }
      const answers = await Promise.all([deleteMe(user), deleteMe(otherTab)])
      const outcomes = await Promise.all(answers.map(async (res) => (res.status === 200 ? 200 : `${res.status} ${await errorCode(res)}`)))
      expect(outcomes.sort()).toEqual([200, '401 session_revoked'].sort())
    }
  })
})

describe('DELETE /me/ handing a group over', () => {
  it('appends ownership_transferred from "Deleted user" to the new owner, flagged as a label', async () => {
    const [owner, admin, member] = await Promise.all([signUp('owner'), signUp('admin'), signUp('member')])
    const group = await createGroup(owner)
    await addToGroup(group, owner, admin)
    await addToGroup(group, owner, member)
    expect((await api(`/chat/${group}/role/`, authed(owner.accessToken, json({ user_id: admin.id, role: 'admin' })))).status).toBe(200)
    await sendMessage(group, owner, 'from the owner')
    expect((await deleteMe(owner)).status).toBe(200)
    const messages = await history(group, member)
    const last = messages.at(-1)!
    expect(last).toMatchObject({ kind: 'system', sender: DELETED_USER_NAME, sender_id: owner.id, sender_deleted: true })
    expect(last.event).toEqual({ type: 'ownership_transferred', actor_id: owner.id, actor: DELETED_USER_NAME, actor_deleted: true, user_id: admin.id, username: admin.username })
    expect(messages.filter((m) => m.event?.type === 'ownership_transferred')).toHaveLength(1)
    // The owner's earlier lines carry the flag too; the others' do not.
    const flagged = (m: MessageBody) => [m.sender_id === owner.id, m.sender_deleted === true, m.event?.actor_deleted === true]
    for (const m of messages) expect(flagged(m)).toEqual(m.sender_id === owner.id ? [true, true, m.kind === 'system'] : [false, false, false])
  })

  it('appends no hand-over line to a group the deleted account did not own', async () => {
    const [owner, leaver] = await Promise.all([signUp('owner'), signUp('leaver')])
    const group = await createGroup(owner)
    await addToGroup(group, owner, leaver)
    expect((await deleteMe(leaver)).status).toBe(200)
    const messages = await history(group, owner)
    expect(messages.filter((m) => m.event?.type === 'ownership_transferred')).toEqual([])
    expect(await env.DB.prepare('SELECT role FROM chat_members WHERE chat_id = ? AND user_id = ?').bind(group, owner.id).first('role')).toBe('owner')
  })
})
