import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { DELETED_USER_NAME, type ChatListResponse, type HistoryResponse, type MembersResponse, type SystemEvent, type UsersResponse } from '../../../protocol/http'
import { CLOSE_CODES } from '../../../protocol/socket'
import { openChannel } from '../channel'
import { addToGroup, api, authed, callUntilLimited, closeCode, createGroup, errorCode, expectLimitedAfter, freshUserIds, json, memberMessages, openSocket, refreshCookie, sendMessage, signUp, type TestUser, uniqueName } from '../helpers'

function deleteMe(user: TestUser, body: unknown): Promise<Response> {
  return api('/me/', authed(user.accessToken, { ...json(body), method: 'DELETE' }))
}

async function deleteAccount(user: TestUser): Promise<void> {
  const res = await deleteMe(user, { password: user.password })
  if (res.status !== 200) throw new Error(`delete failed: ${res.status} ${await res.text()}`)
}

async function openPrivate(a: TestUser, b: TestUser): Promise<number> {
  const res = await api('/chat/private/', authed(a.accessToken, json({ user_id: b.id })))
  return ((await res.json()) as { chat_id: number }).chat_id
}

async function history(chatId: number, user: TestUser): Promise<HistoryResponse> {
  const res = await api(`/chat/${chatId}/history/`, authed(user.accessToken))
  expect(res.status).toBe(200)
  return (await res.json()) as HistoryResponse
}

async function listOf(user: TestUser): Promise<ChatListResponse> {
  return (await (await api('/chat/list/', authed(user.accessToken))).json()) as ChatListResponse
}

async function signIn(email: string, password: string): Promise<Response> {
  return api('/login/', json({ Email: email, Password: password }))
}

async function roleOf(chatId: number, userId: number): Promise<string | null> {
  return env.DB.prepare('SELECT role FROM chat_members WHERE chat_id = ? AND user_id = ?').bind(chatId, userId).first<string>('role')
}

describe('DELETE /me/', () => {
  it.each([
    ['a missing password', {}, 400, 'invalid_request'],
    ['an empty password', { password: '' }, 400, 'invalid_request'],
    ['a wrong password', { password: 'not-the-password' }, 401, 'invalid_credentials'],
    ['a password of the wrong type', { password: 12345678 }, 400, 'invalid_request'],
  ])('refuses %s and changes nothing', async (_name, body, status, code) => {
    const user = await signUp('keeper')
    const res = await deleteMe(user, body)
    expect(res.status).toBe(status)
    expect(await errorCode(res)).toBe(code)
    expect((await api('/me/', authed(user.accessToken))).status).toBe(200)
    expect((await api('/refresh/', { method: 'POST', headers: { Cookie: user.cookie } })).status).toBe(200)
    expect((await signIn(user.email, user.password)).status).toBe(200)
  })

  it('needs an access token', async () => {
    const res = await api('/me/', { ...json({ password: 'whatever-it-is' }), method: 'DELETE' })
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('missing_token')
  })

  it('answers 429 rate_limited after 10 password attempts in a minute, to the right password too', async () => {
    await freshUserIds()
    const user = await signUp('guessed')
    expectLimitedAfter(await callUntilLimited(10, (i) => deleteMe(user, { password: `guess-${i}-guess` })), 10, 401)
    const limited = await deleteMe(user, { password: user.password })
    expect(limited.status).toBe(429)
    expect(await errorCode(limited)).toBe('rate_limited')
    expect((await api('/me/', authed(user.accessToken))).status).toBe(200)
  })

  it('revokes every session, clears the cookie, and the credentials no longer sign in', async () => {
    const user = await signUp('leaver')
    const second = await signIn(user.email, user.password)
    const secondCookie = refreshCookie(second)!
    const res = await deleteMe(user, { password: user.password })
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie().some((c) => c.startsWith('refresh_token=;'))).toBe(true)
    for (const cookie of [user.cookie, secondCookie]) {
      const refresh = await api('/refresh/', { method: 'POST', headers: { Cookie: cookie } })
      expect(refresh.status).toBe(401)
    }
    const login = await signIn(user.email, user.password)
    expect(login.status).toBe(401)
    expect(await errorCode(login)).toBe('invalid_credentials')
    const me = await api('/me/', authed(user.accessToken))
    expect(me.status).toBe(401)
    expect(await errorCode(me)).toBe('session_revoked')
  })

  it('erases email, username and password hash from the row, which stays as a tombstone', async () => {
    const user = await signUp('erased')
    await deleteAccount(user)
    const row = await env.DB.prepare('SELECT * FROM users WHERE id = ?').bind(user.id).first<Record<string, unknown>>()
    expect(row).not.toBeNull()
    const text = JSON.stringify(row).toLowerCase()
    expect(text).not.toContain(user.username.toLowerCase())
    expect(text).not.toContain(user.email.toLowerCase())
    expect(row!.password_hash).toBe('')
    expect(row!.deleted_at_ms).toEqual(expect.any(Number))
    expect(row!.username).toMatch(/^deleted-[0-9a-f]{32}$/)
  })

  it('closes the user\'s room sockets and live channels with 4005, and leaves the others\' open', async () => {
    const [leaver, other] = await Promise.all([signUp('leaver'), signUp('other')])
    const group = await createGroup(other)
    await addToGroup(group, other, leaver)
    const direct = await openPrivate(other, leaver)
    const sockets = await Promise.all([openSocket(group, leaver.accessToken), openSocket(direct, leaver.accessToken)])
    const [channel, otherChannel] = await Promise.all([openChannel(leaver.accessToken), openChannel(other.accessToken)])
    const otherSocket = await openSocket(direct, other.accessToken)
    await Promise.all([...sockets, otherSocket].map((s) => s.waitFor((f) => f.type === 'ready')))
    await deleteAccount(leaver)
    for (const socket of sockets) expect(await closeCode(socket)).toBe(CLOSE_CODES.accountDeleted)
    expect(await closeCode(channel)).toBe(CLOSE_CODES.accountDeleted)
    // The other person's sockets are untouched: both still answer.
    otherSocket.send({ type: 'ping' })
    await otherSocket.waitFor((f) => f.type === 'pong')
    await otherChannel.sync()
    // Their list learns the 1:1 chat's new name without a reload.
    await otherChannel.waitFor((f) => f.type === 'chat' && f.chat.chat_id === direct && f.chat.name === DELETED_USER_NAME && f.chat.peer === null)
    // The deleted account cannot come back in with the access token it still holds.
    const again = await api(`/ws/chat/${direct}/?token=${leaver.accessToken}`, { headers: { Upgrade: 'websocket', Origin: 'http://chat.test', 'Sec-WebSocket-Protocol': 'edge-chat.v1' } })
    expect(again.status).toBe(403)
    expect(await errorCode(again)).toBe('not_member')
  })

  it('keeps the 1:1 chat readable for the other person, with "Deleted user" in history and lists', async () => {
    const [leaver, other] = await Promise.all([signUp('leaver'), signUp('other')])
    const direct = await openPrivate(leaver, other)
    await sendMessage(direct, leaver, 'hello from the leaver')
    await sendMessage(direct, other, 'hello back')
    await sendMessage(direct, leaver, 'last words')
    await deleteAccount(leaver)

    const { messages } = await history(direct, other)
    expect(messages.map((m) => [m.sender, m.sender_id, m.message])).toEqual([
      [DELETED_USER_NAME, leaver.id, 'hello from the leaver'],
      [other.username, other.id, 'hello back'],
      [DELETED_USER_NAME, leaver.id, 'last words'],
    ])
    const row = (await listOf(other)).chats.find((c) => c.chat_id === direct)!
    expect(row.name).toBe(DELETED_USER_NAME)
    expect(row.peer).toBeNull()
    expect(row.last_message).toMatchObject({ sender: DELETED_USER_NAME, sender_id: leaver.id, message: 'last words' })
    const members = (await (await api(`/chat/${direct}/members/`, authed(other.accessToken))).json()) as MembersResponse
    expect(members.members.map((m) => m.userid)).toEqual([other.id])
    // Nobody finds the account or starts anything new with it.
    const search = (await (await api(`/users/?q=${encodeURIComponent(leaver.username)}`, authed(other.accessToken))).json()) as UsersResponse
    expect(search.users).toEqual([])
    const newChat = await api('/chat/private/', authed(other.accessToken, json({ user_id: leaver.id })))
    expect(newChat.status).toBe(404)
  })

  it('shows "Deleted user" for their messages in a group they leave to others', async () => {
    const [owner, leaver] = await Promise.all([signUp('owner'), signUp('leaver')])
    const group = await createGroup(owner)
    await addToGroup(group, owner, leaver)
    await sendMessage(group, leaver, 'in the group')
    await deleteAccount(leaver)
    const { messages } = await history(group, owner)
    expect(memberMessages(messages).map((m) => [m.sender, m.message])).toEqual([[DELETED_USER_NAME, 'in the group']])
    expect(await roleOf(group, leaver.id)).toBeNull()
    // The chat list's preview marks the label as one too, never as a name someone could hold.
    const list = (await (await api('/chat/list/', authed(owner.accessToken))).json()) as ChatListResponse
    expect(list.chats.find((c) => c.chat_id === group)!.last_message).toMatchObject({ sender: DELETED_USER_NAME, sender_deleted: true, message: 'in the group' })
  })

  it('shows "Deleted user" in the system messages naming them, as actor and as subject, and leaves the others\' names', async () => {
    const [owner, leaver, third] = await Promise.all([signUp('owner'), signUp('leaver'), signUp('third')])
    const group = await createGroup(owner)
    await addToGroup(group, owner, leaver)
    const call = (user: TestUser, method: string, path: string, body: unknown) => api(path, authed(user.accessToken, { ...json(body), method }))
    expect((await call(owner, 'POST', `/chat/${group}/role/`, { user_id: leaver.id, role: 'admin' })).status).toBe(200)
    expect((await call(leaver, 'PATCH', `/chat/${group}/`, { name: uniqueName('renamed') })).status).toBe(200)
    await addToGroup(group, leaver, third)
    const named = (m: { sender: string; event: SystemEvent | null }) => [m.sender, m.event!.type, m.event!.actor, 'username' in m.event! ? m.event.username : null]
    const systemOf = async () => (await history(group, owner)).messages.filter((m) => m.kind === 'system').map(named)
    // [sender, type, actor, subject]: created, leaver added, leaver made admin, renamed by leaver, third added by leaver.
    const before = [
      [owner.username, 'created', owner.username, null],
      [owner.username, 'added', owner.username, leaver.username],
      [owner.username, 'role_changed', owner.username, leaver.username],
      [leaver.username, 'renamed', leaver.username, null],
      [leaver.username, 'added', leaver.username, third.username],
    ]
    expect(await systemOf()).toEqual(before)
    const ivs = () =>
      runInDurableObject(env.CHAT_ROOM.getByName(String(group)), (_instance, state) =>
        state.storage.sql.exec<{ iv: string }>("SELECT hex(iv) AS iv FROM messages WHERE kind = 'system' ORDER BY seq").toArray().map((r) => r.iv),
      )
    const ivsBefore = await ivs()

    await deleteAccount(leaver)
    const gone = (name: unknown) => (name === leaver.username ? DELETED_USER_NAME : name)
    const after = await systemOf()
    expect(after).toEqual(before.map((row) => row.map(gone)))
    expect(JSON.stringify(await history(group, third))).not.toContain(leaver.username)
    // Rewritten in storage (re-sealed with a new IV), not mapped at read time; the row not naming them is untouched.
    const ivsAfter = await ivs()
    expect(ivsAfter.map((iv, i) => iv === ivsBefore[i])).toEqual([true, false, false, false, false])
    // Idempotent: a retried forgetUser finds nothing left to change.
    await env.CHAT_ROOM.getByName(String(group)).forgetUser(leaver.id)
    expect([await systemOf(), await ivs()]).toEqual([after, ivsAfter])
  })

  it.each([
    // [label, members after the owner: [role, joined offset ms]], index of the expected new owner
    ['the oldest admin, before an older plain member', [['member', 1], ['admin', 3], ['admin', 5]], 1],
    ['the oldest of several admins', [['admin', 9], ['admin', 2], ['member', 1]], 1],
    ['the oldest member when there is no admin', [['member', 7], ['member', 4], ['member', 6]], 1],
  ] as const)('hands an owned group to %s', async (_label, layout, expected) => {
    const owner = await signUp('owner')
    const others = await Promise.all(layout.map(() => signUp('member')))
    const group = await createGroup(owner)
    for (const [i, other] of others.entries()) {
      await addToGroup(group, owner, other)
      const [role, offsetMs] = layout[i]!
      await env.DB.prepare('UPDATE chat_members SET role = ?, joined_at_ms = joined_at_ms + ? WHERE chat_id = ? AND user_id = ?')
        .bind(role, offsetMs * 1000, group, other.id)
        .run()
    }
    await deleteAccount(owner)
    const roles = await Promise.all(others.map((o) => roleOf(group, o.id)))
    expect(roles.filter((r) => r === 'owner')).toHaveLength(1)
    expect(roles[expected]).toBe('owner')
    expect(await roleOf(group, owner.id)).toBeNull()
    // The new owner can do what owners do.
    const role = await api(`/chat/${group}/role/`, authed(others[expected]!.accessToken, json({ user_id: others[(expected + 1) % others.length]!.id, role: 'admin' })))
    expect(role.status).toBe(200)
  })

  it('deletes a group nobody else is in, and erases its room', async () => {
    const [owner, alone] = await Promise.all([signUp('owner'), signUp('other')])
    const group = await createGroup(owner)
    await sendMessage(group, owner, 'nobody reads this')
    const socket = await openSocket(group, owner.accessToken)
    await socket.waitFor((f) => f.type === 'ready')
    await deleteAccount(owner)
    expect(await closeCode(socket)).toBe(CLOSE_CODES.chatDeleted)
    // A tombstone, as DELETE /chat/<id>/ leaves one: no name, no member.
    expect(await env.DB.prepare('SELECT deleted_at_ms IS NOT NULL AND name IS NULL AS gone FROM chats WHERE id = ?').bind(group).first('gone')).toBe(1)
    expect(await env.CHAT_ROOM.getByName(String(group)).lastSeq()).toBe(0)
    const res = await api(`/chat/${group}/history/`, authed(alone.accessToken))
    expect(res.status).toBe(404)
  })

  // A group the deletion removes loses its invites in the same batch; a group handed over keeps them.
  it.each([
    ['no invite', 0, false],
    ['one invite', 1, false],
    ['three invites', 3, false],
    ['an invite, handed to another member', 1, true],
  ] as const)('deletes an account owning a group with %s', async (_label, invites, shared) => {
    const [owner, other] = await Promise.all([signUp('owner'), signUp('other')])
    const group = await createGroup(owner, 'private')
    if (shared) await addToGroup(group, owner, other)
    for (let i = 0; i < invites; i++) {
      const res = await api(`/chat/${group}/invites/`, authed(owner.accessToken, json({})))
      expect(res.status).toBe(201)
    }
    await deleteAccount(owner)
    const count = (table: string) => env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${table === 'chats' ? 'deleted_at_ms IS NULL AND id' : 'chat_id'} = ?`).bind(group).first<number>('n')
    expect([await count('chats'), await count('invites'), await count('chat_members')]).toEqual(shared ? [1, invites, 1] : [0, 0, 0])
    expect(await roleOf(group, other.id)).toBe(shared ? 'owner' : null)
  })

  it('lets a new account take the old email (not the username), but nothing of the old identity', async () => {
    const [leaver, other] = await Promise.all([signUp('leaver'), signUp('other')])
    const direct = await openPrivate(leaver, other)
    await sendMessage(direct, leaver, 'written by the first one')
    await deleteAccount(leaver)

    const reg = await api('/reg_user/', json({ Username: uniqueName('back'), Email: leaver.email, Password: 'a-brand-new-password' }))
    expect(reg.status).toBe(201)
    const newcomer = ((await reg.json()) as { data: { Userid: number } }).data.Userid
    expect(newcomer).not.toBe(leaver.id)
    // The old password does not open the new account; the new one does, and it sees none of the old chats.
    expect((await signIn(leaver.email, leaver.password)).status).toBe(401)
    const login = await signIn(leaver.email, 'a-brand-new-password')
    expect(login.status).toBe(200)
    const token = ((await login.json()) as { access_token: string }).access_token
    expect(((await (await api('/chat/list/', authed(token))).json()) as ChatListResponse).chats).toEqual([])
    const read = await api(`/chat/${direct}/history/`, authed(token))
    expect(read.status).toBe(403)
    // The old messages still name the deleted id and "Deleted user", never the newcomer.
    const { messages } = await history(direct, other)
    expect(messages.map((m) => [m.sender, m.sender_id])).toEqual([[DELETED_USER_NAME, leaver.id]])
  })

  it('leaves an access token that outlives the account unable to join or create anything', async () => {
    const [leaver, other] = await Promise.all([signUp('leaver'), signUp('other')])
    const group = await createGroup(other)
    await deleteAccount(leaver)
    const attempts = [
      api('/chat/create/', authed(leaver.accessToken, json({ name: 'ghost town' }))),
      api('/chat/private/', authed(leaver.accessToken, json({ user_id: other.id }))),
      api(`/chat/${group}/add/`, authed(leaver.accessToken, json({}))),
    ]
    for (const res of await Promise.all(attempts)) expect(await errorCode(res)).toBe('session_revoked')
    expect(await env.DB.prepare('SELECT count(*) AS n FROM chat_members WHERE user_id = ?').bind(leaver.id).first('n')).toBe(0)
    const add = await api(`/chat/${group}/add/`, authed(other.accessToken, json({ user_id: leaver.id })))
    expect(add.status).toBe(404)
  })
})
