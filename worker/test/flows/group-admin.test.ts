import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ChatRemovedFrame, ChatFrame } from '../../../protocol/channel'
import type { ChatResponse, CreatedInviteBody, DeleteChatResponse } from '../../../protocol/http'
import { CLOSE_CODES } from '../../../protocol/socket'
import { openChannel } from '../channel'
import { addToGroup, api, authed, closeCode, createGroup, errorCode, json, openSocket, sendMessage, signUp, uniqueName, type TestUser } from '../helpers'

function call(user: TestUser | null, method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = body === undefined ? { method } : { ...json(body), method }
  return api(path, user ? authed(user.accessToken, init) : init)
}

async function setRole(chatId: number, owner: TestUser, user: TestUser, role: 'admin' | 'member'): Promise<void> {
  const res = await call(owner, 'POST', `/chat/${chatId}/role/`, { user_id: user.id, role })
  if (res.status !== 200) throw new Error(`role change failed: ${res.status} ${await res.text()}`)
}

/** A group with an owner, an admin and a member, and an outsider who is in none of it. */
async function cast(visibility: 'public' | 'private' = 'private') {
  const [owner, admin, member, outsider] = await Promise.all([signUp('own'), signUp('adm'), signUp('mem'), signUp('out')])
  const chatId = await createGroup(owner, visibility)
  await addToGroup(chatId, owner, admin)
  await addToGroup(chatId, owner, member)
  await setRole(chatId, owner, admin, 'admin')
  return { chatId, owner, admin, member, outsider }
}

type Cast = Awaited<ReturnType<typeof cast>>
type Role = 'owner' | 'admin' | 'member' | 'outsider' | 'signed_out'

async function inviteId(g: Cast): Promise<string> {
  const res = await call(g.owner, 'POST', `/chat/${g.chatId}/invites/`, {})
  return ((await res.json()) as CreatedInviteBody).id
}

/** Each admin route, as a request for the given cast: method, path, body. */
const ROUTES: Record<string, (g: Cast) => Promise<[string, string, unknown?]>> = {
  'PATCH /chat/<id>/': async (g) => ['PATCH', `/chat/${g.chatId}/`, { name: uniqueName('renamed') }],
  'POST /chat/<id>/transfer/': async (g) => ['POST', `/chat/${g.chatId}/transfer/`, { user_id: g.member.id }],
  'DELETE /chat/<id>/': async (g) => ['DELETE', `/chat/${g.chatId}/`],
  'POST /chat/<id>/invites/': async (g) => ['POST', `/chat/${g.chatId}/invites/`, { max_uses: 3 }],
  'GET /chat/<id>/invites/': async (g) => ['GET', `/chat/${g.chatId}/invites/`],
  'DELETE /chat/<id>/invites/<invite_id>/': async (g) => ['DELETE', `/chat/${g.chatId}/invites/${await inviteId(g)}/`],
}

// Expected status per role: owner, admin, member, outsider, signed out.
const EXPECTED: Record<keyof typeof ROUTES, Record<Role, number>> = {
  'PATCH /chat/<id>/': { owner: 200, admin: 200, member: 403, outsider: 403, signed_out: 401 },
  'POST /chat/<id>/transfer/': { owner: 200, admin: 403, member: 403, outsider: 403, signed_out: 401 },
  'DELETE /chat/<id>/': { owner: 200, admin: 403, member: 403, outsider: 403, signed_out: 401 },
  'POST /chat/<id>/invites/': { owner: 201, admin: 201, member: 403, outsider: 403, signed_out: 401 },
  'GET /chat/<id>/invites/': { owner: 200, admin: 200, member: 403, outsider: 403, signed_out: 401 },
  'DELETE /chat/<id>/invites/<invite_id>/': { owner: 200, admin: 200, member: 403, outsider: 403, signed_out: 401 },
}

const CELLS = Object.entries(EXPECTED).flatMap(([route, byRole]) => Object.entries(byRole).map(([role, status]) => [route, role as Role, status] as const))

describe('group administration permissions', { timeout: 30_000 }, () => {
  it.each(CELLS)('%s as %s answers %i', async (route, role, status) => {
    const g = await cast()
    const [method, path, body] = await ROUTES[route]!(g)
    const caller = role === 'signed_out' ? null : g[role]
    const res = await call(caller, method, path, body)
    expect(res.status).toBe(status)
    if (status >= 400) {
      const expectedCode = { 401: 'missing_token', 403: role === 'outsider' ? 'not_member' : 'forbidden' }[status as 401 | 403]
      expect(await errorCode(res)).toBe(expectedCode)
    }
  })

  it.each(Object.keys(ROUTES))('%s refuses a 1:1 chat with not_group', async (route) => {
    const [a, b] = await Promise.all([signUp('pa'), signUp('pb')])
    const res = await call(a, 'POST', '/chat/private/', { user_id: b.id })
    const chatId = ((await res.json()) as { chat_id: number }).chat_id
    const [method, path, body] = await ROUTES[route]!({ chatId, owner: a, admin: a, member: b, outsider: b })
    const answer = await call(a, method, route.includes('<invite_id>') ? `/chat/${chatId}/invites/AAAAAAAAAAAAAAAA/` : path, body)
    expect(answer.status).toBe(400)
    expect(await errorCode(answer)).toBe('not_group')
  })

  it.each(Object.keys(ROUTES))('%s answers 404 for a chat that does not exist', async (route) => {
    const g = await cast()
    const [method, path, body] = await ROUTES[route]!(g)
    const res = await call(g.owner, method, path.replace(`/chat/${g.chatId}/`, '/chat/99999999/'), body)
    expect(res.status).toBe(404)
    expect(await errorCode(res)).toBe('not_found')
  })
})

describe('PATCH /chat/<id>/', { timeout: 30_000 }, () => {
  it('renames and changes visibility, answering the caller\'s list row', async () => {
    const g = await cast('public')
    const name = uniqueName('new name')
    const res = await call(g.admin, 'PATCH', `/chat/${g.chatId}/`, { name: `  ${name}  `, visibility: 'private' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ chat_id: g.chatId, name, visibility: 'private', role: 'admin', is_group: true } satisfies Partial<ChatResponse>)
    const explore = (await (await call(g.outsider, 'GET', '/chat/explore/')).json()) as { groups: { chat_id: number }[] }
    expect(explore.groups.map((group) => group.chat_id)).not.toContain(g.chatId)
  })

  it.each([
    ['no field', {}],
    ['an empty name', { name: '   ' }],
    ['a name too long', { name: 'x'.repeat(101) }],
    ['an unknown visibility', { visibility: 'secret' }],
    ['a name that is not text', { name: 12 }],
  ])('refuses %s with invalid_request and changes nothing', async (_, body) => {
    const g = await cast()
    const before = await env.DB.prepare('SELECT name, visibility FROM chats WHERE id = ?').bind(g.chatId).first()
    const res = await call(g.owner, 'PATCH', `/chat/${g.chatId}/`, body)
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('invalid_request')
    expect(await env.DB.prepare('SELECT name, visibility FROM chats WHERE id = ?').bind(g.chatId).first()).toEqual(before)
  })

  it('reaches the members\' lists as a chat frame', async () => {
    const g = await cast()
    const channel = await openChannel(g.member.accessToken)
    const name = uniqueName('live')
    expect((await call(g.owner, 'PATCH', `/chat/${g.chatId}/`, { name })).status).toBe(200)
    const frame = await channel.waitFor<ChatFrame>((f) => f.type === 'chat' && f.chat.chat_id === g.chatId && f.chat.name === name)
    expect(frame.chat.role).toBe('member')
    channel.ws.close(1000)
  })
})

describe('POST /chat/<id>/transfer/', { timeout: 30_000 }, () => {
  it('makes the member the owner and the old owner an admin, who can then leave', async () => {
    const g = await cast()
    const res = await call(g.owner, 'POST', `/chat/${g.chatId}/transfer/`, { user_id: g.member.id })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ chat_id: g.chatId, role: 'admin' })
    const roles = await env.DB.prepare('SELECT user_id, role FROM chat_members WHERE chat_id = ? ORDER BY user_id').bind(g.chatId).all()
    expect(Object.fromEntries(roles.results.map((r) => [r.user_id, r.role]))).toEqual({ [g.owner.id]: 'admin', [g.admin.id]: 'admin', [g.member.id]: 'owner' })
    expect((await call(g.owner, 'POST', `/chat/${g.chatId}/remove/`)).status).toBe(200)
    expect(await errorCode(await call(g.owner, 'POST', `/chat/${g.chatId}/transfer/`, { user_id: g.admin.id }))).toBe('not_member')
    // The new owner cannot leave, as any owner.
    expect(await errorCode(await call(g.member, 'POST', `/chat/${g.chatId}/remove/`))).toBe('forbidden')
  })

  it.each([
    ['oneself', (g: Cast) => ({ user_id: g.owner.id }), 400, 'invalid_request'],
    ['a non-member', (g: Cast) => ({ user_id: g.outsider.id }), 404, 'not_found'],
    ['no user', () => ({}), 400, 'invalid_request'],
    ['a bad id', () => ({ user_id: 'x' }), 400, 'invalid_request'],
  ] as const)('refuses a transfer to %s', async (_, body, status, code) => {
    const g = await cast()
    const res = await call(g.owner, 'POST', `/chat/${g.chatId}/transfer/`, body(g))
    expect(res.status).toBe(status)
    expect(await errorCode(res)).toBe(code)
    const owners = await env.DB.prepare("SELECT user_id FROM chat_members WHERE chat_id = ? AND role = 'owner'").bind(g.chatId).all()
    expect(owners.results).toEqual([{ user_id: g.owner.id }])
  })

  it('leaves exactly one owner when two transfers race', async () => {
    const g = await cast()
    const answers = await Promise.all([
      call(g.owner, 'POST', `/chat/${g.chatId}/transfer/`, { user_id: g.member.id }),
      call(g.owner, 'POST', `/chat/${g.chatId}/transfer/`, { user_id: g.admin.id }),
    ])
    expect(answers.map((r) => r.status).sort()).toEqual([200, 403])
    const owners = await env.DB.prepare("SELECT user_id FROM chat_members WHERE chat_id = ? AND role = 'owner'").bind(g.chatId).all()
    expect(owners.results).toHaveLength(1)
  })
})

describe('DELETE /chat/<id>/', { timeout: 30_000 }, () => {
  it('closes sockets with 4004, drops the chat from lists, erases the room and answers 404 after', async () => {
    const g = await cast()
    await sendMessage(g.chatId, g.member, 'soon gone')
    await call(g.owner, 'POST', `/chat/${g.chatId}/invites/`, {})
    const [ownerSocket, memberSocket] = await Promise.all([openSocket(g.chatId, g.owner.accessToken), openSocket(g.chatId, g.member.accessToken)])
    await Promise.all([ownerSocket.waitFor((f) => f.type === 'ready'), memberSocket.waitFor((f) => f.type === 'ready')])
    const channel = await openChannel(g.member.accessToken)

    const res = await call(g.owner, 'DELETE', `/chat/${g.chatId}/`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ chat_id: g.chatId, deleted: true } satisfies DeleteChatResponse)
    expect(await closeCode(ownerSocket)).toBe(CLOSE_CODES.chatDeleted)
    expect(await closeCode(memberSocket)).toBe(CLOSE_CODES.chatDeleted)
    await channel.waitFor<ChatRemovedFrame>((f) => f.type === 'chat_removed' && f.chat_id === g.chatId)
    channel.ws.close(1000)

    const list = (await (await call(g.member, 'GET', '/chat/list/')).json()) as { chats: { chat_id: number }[] }
    expect(list.chats.map((c) => c.chat_id)).not.toContain(g.chatId)
    for (const user of [g.owner, g.member]) expect((await call(user, 'GET', `/chat/${g.chatId}/history/`)).status).toBe(404)
    expect((await call(g.member, 'POST', `/chat/${g.chatId}/send/`, { message: 'anyone?' })).status).toBe(404)
    expect(await errorCode(await call(g.owner, 'DELETE', `/chat/${g.chatId}/`))).toBe('not_found')
    const counts = await env.DB.prepare(
      'SELECT (SELECT count(*) FROM chat_members WHERE chat_id = ?1) AS members, (SELECT count(*) FROM invites WHERE chat_id = ?1) AS invites, (SELECT name FROM chats WHERE id = ?1) AS name',
    )
      .bind(g.chatId)
      .first()
    expect(counts).toEqual({ members: 0, invites: 0, name: null })

    const stub = env.CHAT_ROOM.getByName(String(g.chatId))
    const left = await runInDurableObject(stub, async (_, state) => ({
      messages: state.storage.sql.exec('SELECT count(*) AS n FROM messages').one().n,
      cursors: state.storage.sql.exec('SELECT count(*) AS n FROM read_cursors').one().n,
      alarm: await state.storage.getAlarm(),
    }))
    expect(left).toEqual({ messages: 0, cursors: 0, alarm: null })
  })

  it('refuses a socket upgrade afterwards', async () => {
    const g = await cast()
    expect((await call(g.owner, 'DELETE', `/chat/${g.chatId}/`)).status).toBe(200)
    await expect(openSocket(g.chatId, g.member.accessToken)).rejects.toThrow(/upgrade refused: 404/)
  })

  it('finishes the room on a retry after a failure following the D1 step', async () => {
    const g = await cast()
    await sendMessage(g.chatId, g.member, 'left behind')
    // As if the worker died between the D1 batch and the room's destroy: the tombstone alone.
    await env.DB.batch([
      env.DB.prepare('UPDATE chats SET deleted_at_ms = ?, name = NULL WHERE id = ?').bind(Date.now(), g.chatId),
      env.DB.prepare('DELETE FROM chat_members WHERE chat_id = ?').bind(g.chatId),
    ])
    const stub = env.CHAT_ROOM.getByName(String(g.chatId))
    const count = () => runInDurableObject(stub, async (_, state) => state.storage.sql.exec('SELECT count(*) AS n FROM messages').one().n)
    // The message and the setup's system messages.
    expect(await count()).toBeGreaterThan(1)
    expect(await errorCode(await call(g.owner, 'DELETE', `/chat/${g.chatId}/`))).toBe('not_found')
    expect(await count()).toBe(0)
  })

  it('answers 200 to exactly one of three DELETEs sent at once, 404 to the others', async () => {
    const g = await cast()
    const answers = await Promise.all([1, 2, 3].map(() => call(g.owner, 'DELETE', `/chat/${g.chatId}/`)))
    expect(answers.map((res) => res.status).sort()).toEqual([200, 404, 404])
    expect(await env.DB.prepare('SELECT count(*) AS n FROM chat_members WHERE chat_id = ?').bind(g.chatId).first('n')).toBe(0)
  })
})
