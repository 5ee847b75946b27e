import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type {
  AddMemberResponse,
  ChatListResponse,
  CreateGroupResponse,
  ExploreResponse,
  HistoryResponse,
  MembersResponse,
  PrivateChatResponse,
  SendResponse,
} from '../../../protocol/http'
import { addToGroup, api, authed, createGroup, errorCode, form, json, lastSeqOf, memberMessages, openSocket, sendMessage, signUp, uniqueName, type TestUser } from '../helpers'

function post(user: TestUser, path: string, body?: unknown) {
  return api(path, authed(user.accessToken, body === undefined ? { method: 'POST' } : json(body)))
}

function get(user: TestUser, path: string) {
  return api(path, authed(user.accessToken))
}

async function openPrivate(user: TestUser, other: TestUser): Promise<Response> {
  return post(user, '/chat/private/', { user_id: other.id })
}

describe('POST /chat/private/', () => {
  it('creates the pair chat once and returns it to either side', async () => {
    const [a, b] = await Promise.all([signUp('pa'), signUp('pb')])
    const first = await openPrivate(a, b)
    expect(first.status).toBe(201)
    const created = (await first.json()) as PrivateChatResponse
    expect(created).toEqual({ chat_id: expect.any(Number), is_group: false, name: b.username, created: true })
    const again = await openPrivate(b, a)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ chat_id: created.chat_id, is_group: false, name: a.username, created: false })
  })

  it('yields one chat for concurrent requests from both sides', async () => {
    const [a, b] = await Promise.all([signUp('ca'), signUp('cb')])
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? openPrivate(a, b) : openPrivate(b, a))))
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as PrivateChatResponse[]
    expect(new Set(bodies.map((body) => body.chat_id)).size).toBe(1)
    expect(bodies.filter((body) => body.created)).toHaveLength(1)
    const members = await env.DB.prepare('SELECT user_id FROM chat_members WHERE chat_id = ? ORDER BY user_id').bind(bodies[0]!.chat_id).all()
    expect(members.results.map((r) => r.user_id)).toEqual([a.id, b.id].sort((x, y) => x - y))
  })

  it('accepts a form body', async () => {
    const [a, b] = await Promise.all([signUp('fa'), signUp('fb')])
    const res = await api('/chat/private/', authed(a.accessToken, form({ user_id: String(b.id) })))
    expect(res.status).toBe(201)
  })

  it('refuses oneself, unknown users, bad ids and missing tokens', async () => {
    const a = await signUp('self')
    expect(await errorCode(await post(a, '/chat/private/', { user_id: a.id }))).toBe('invalid_request')
    expect(await errorCode(await post(a, '/chat/private/', { user_id: 999999 }))).toBe('not_found')
    expect(await errorCode(await post(a, '/chat/private/', { user_id: 'abc' }))).toBe('invalid_request')
    expect(await errorCode(await post(a, '/chat/private/', {}))).toBe('invalid_request')
    expect(await errorCode(await api('/chat/private/', json({ user_id: 1 })))).toBe('missing_token')
  })
})

describe('POST /chat/create/', () => {
  it('creates a group owned by its creator', async () => {
    const owner = await signUp('owner')
    const name = uniqueName('team')
    const res = await post(owner, '/chat/create/', { is_group: true, name, visibility: 'private' })
    expect(res.status).toBe(201)
    const body = (await res.json()) as CreateGroupResponse
    expect(body).toEqual({ chat_id: expect.any(Number), is_group: true, name, visibility: 'private' })
    const list = (await (await get(owner, '/chat/list/')).json()) as ChatListResponse
    expect(list.chats.find((c) => c.chat_id === body.chat_id)).toMatchObject({ role: 'owner', name, is_group: true })
  })

  it('accepts the seed form body and defaults to public', async () => {
    const owner = await signUp('owner')
    const res = await api('/chat/create/', authed(owner.accessToken, form({ is_group: 'true', name: 'Seed group' })))
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ visibility: 'public', name: 'Seed group' })
  })

  it('refuses bad input with invalid_request', async () => {
    const owner = await signUp('owner')
    for (const body of [{ is_group: true }, { is_group: true, name: 'x'.repeat(101) }, { is_group: true, name: '  ' }, { is_group: true, name: 'ok', visibility: 'secret' }, { is_group: false, name: 'ok' }, { is_group: 'maybe', name: 'ok' }]) {
      expect(await errorCode(await post(owner, '/chat/create/', body))).toBe('invalid_request')
    }
  })
})

describe('POST /chat/<id>/add/', () => {
  it('joins a public group once, then answers "Already a member"', async () => {
    const [owner, joiner] = await Promise.all([signUp('owner'), signUp('joiner')])
    const chatId = await createGroup(owner, 'public')
    const first = await post(joiner, `/chat/${chatId}/add/`)
    expect(first.status).toBe(201)
    expect(await first.json()).toEqual({ msg: expect.any(String), chat_id: chatId, user_id: joiner.id, role: 'member', added: true })
    const again = await post(joiner, `/chat/${chatId}/add/`)
    expect(again.status).toBe(200)
    expect(((await again.json()) as AddMemberResponse).msg).toBe('Already a member')
  })

  it('never lets a stranger into a private group or a 1:1 chat by id', async () => {
    const [a, b, stranger] = await Promise.all([signUp('a'), signUp('b'), signUp('stranger')])
    const privateGroup = await createGroup(a, 'private')
    const direct = ((await (await openPrivate(a, b)).json()) as PrivateChatResponse).chat_id
    for (const chatId of [privateGroup, direct]) {
      expect(await errorCode(await post(stranger, `/chat/${chatId}/add/`))).toBe('forbidden')
      expect(await errorCode(await post(stranger, `/chat/${chatId}/add/`, { user_id: stranger.id }))).toBe('not_member')
      expect(await errorCode(await get(stranger, `/chat/${chatId}/history/`))).toBe('not_member')
      expect(await errorCode(await post(stranger, `/chat/${chatId}/send/`, { message: 'hi' }))).toBe('not_member')
    }
    expect(await errorCode(await post(a, `/chat/${direct}/add/`, { user_id: stranger.id }))).toBe('forbidden')
    const count = await env.DB.prepare('SELECT count(*) AS n FROM chat_members WHERE user_id = ?').bind(stranger.id).first('n')
    expect(count).toBe(0)
  })

  it('lets an owner add someone, but not a plain member', async () => {
    const [owner, member, other] = await Promise.all([signUp('owner'), signUp('member'), signUp('other')])
    const chatId = await createGroup(owner, 'private')
    const added = await post(owner, `/chat/${chatId}/add/`, { user_id: member.id })
    expect(added.status).toBe(201)
    expect(await errorCode(await post(member, `/chat/${chatId}/add/`, { user_id: other.id }))).toBe('forbidden')
    expect((await get(member, `/chat/${chatId}/history/`)).status).toBe(200)
    expect((await post(owner, `/chat/${chatId}/add/`, { user_id: member.id })).status).toBe(200)
  })

  it('answers 404 for a missing chat or user and 400 for bad ids', async () => {
    const owner = await signUp('owner')
    const chatId = await createGroup(owner)
    expect(await errorCode(await post(owner, '/chat/999999/add/'))).toBe('not_found')
    expect(await errorCode(await post(owner, `/chat/${chatId}/add/`, { user_id: 999999 }))).toBe('not_found')
    expect(await errorCode(await post(owner, '/chat/abc/add/'))).toBe('invalid_request')
    expect(await errorCode(await post(owner, `/chat/${chatId}/add/`, { user_id: -4 }))).toBe('invalid_request')
  })
})

describe('POST /chat/<id>/remove/', () => {
  it('lets a member leave, and refuses the owner leaving, a member removing the owner and 1:1 chats', async () => {
    const [owner, member, peer] = await Promise.all([signUp('owner'), signUp('member'), signUp('peer')])
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, member)
    expect(await errorCode(await post(member, `/chat/${chatId}/remove/`, { user_id: owner.id }))).toBe('forbidden')
    expect(await errorCode(await post(owner, `/chat/${chatId}/remove/`))).toBe('forbidden')
    const left = await post(member, `/chat/${chatId}/remove/`)
    expect(left.status).toBe(200)
    expect(await left.json()).toMatchObject({ chat_id: chatId, user_id: member.id, removed: true })
    expect(await errorCode(await get(member, `/chat/${chatId}/history/`))).toBe('not_member')
    const direct = ((await (await openPrivate(owner, peer)).json()) as PrivateChatResponse).chat_id
    expect(await errorCode(await post(peer, `/chat/${direct}/remove/`))).toBe('forbidden')
  })
})

describe('GET /chat/<id>/members/', () => {
  it('lists members with roles, owner first, to members only and without emails', async () => {
    const [owner, admin, member, outsider] = await Promise.all([signUp('owner'), signUp('admin'), signUp('member'), signUp('outsider')])
    const chatId = await createGroup(owner, 'private')
    await addToGroup(chatId, owner, member)
    await addToGroup(chatId, owner, admin)
    await post(owner, `/chat/${chatId}/role/`, { user_id: admin.id, role: 'admin' })
    const res = await get(member, `/chat/${chatId}/members/`)
    expect(res.status).toBe(200)
    const { members } = (await res.json()) as MembersResponse
    expect(members.map((m) => [m.userid, m.role])).toEqual([
      [owner.id, 'owner'],
      [admin.id, 'admin'],
      [member.id, 'member'],
    ])
    for (const m of members) expect(Object.keys(m).sort()).toEqual(['joined_at', 'last_seen_at', 'online', 'role', 'userid', 'username'])
    expect(await errorCode(await get(outsider, `/chat/${chatId}/members/`))).toBe('not_member')
    expect(await errorCode(await get(owner, '/chat/999999/members/'))).toBe('not_found')
  })
})

describe('POST /chat/<id>/role/', () => {
  it('lets the owner make an admin, who can then add and remove members but not change roles', async () => {
    const [owner, admin, newcomer, member] = await Promise.all([signUp('owner'), signUp('admin'), signUp('newcomer'), signUp('member')])
    const chatId = await createGroup(owner, 'private')
    await addToGroup(chatId, owner, admin)
    await addToGroup(chatId, owner, member)
    expect(await errorCode(await post(admin, `/chat/${chatId}/add/`, { user_id: newcomer.id }))).toBe('forbidden')

    const promoted = await post(owner, `/chat/${chatId}/role/`, { user_id: admin.id, role: 'admin' })
    expect(promoted.status).toBe(200)
    expect(await promoted.json()).toMatchObject({ chat_id: chatId, user_id: admin.id, role: 'admin', changed: true })
    expect(await (await post(owner, `/chat/${chatId}/role/`, { user_id: admin.id, role: 'admin' })).json()).toMatchObject({ changed: false })

    expect((await post(admin, `/chat/${chatId}/add/`, { user_id: newcomer.id })).status).toBe(201)
    expect(await errorCode(await post(admin, `/chat/${chatId}/role/`, { user_id: member.id, role: 'admin' }))).toBe('forbidden')
    expect(await errorCode(await post(admin, `/chat/${chatId}/remove/`, { user_id: owner.id }))).toBe('forbidden')
    expect((await post(admin, `/chat/${chatId}/remove/`, { user_id: member.id })).status).toBe(200)

    const demoted = await post(owner, `/chat/${chatId}/role/`, { user_id: admin.id, role: 'member' })
    expect(await demoted.json()).toMatchObject({ role: 'member', changed: true })
    expect(await errorCode(await post(admin, `/chat/${chatId}/remove/`, { user_id: newcomer.id }))).toBe('forbidden')
  })

  it('refuses making anyone owner, the owner changing itself, non-members, 1:1 chats and bad input', async () => {
    const [owner, member, outsider, peer] = await Promise.all([signUp('owner'), signUp('member'), signUp('outsider'), signUp('peer')])
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, member)
    expect(await errorCode(await post(owner, `/chat/${chatId}/role/`, { user_id: member.id, role: 'owner' }))).toBe('invalid_request')
    expect(await errorCode(await post(owner, `/chat/${chatId}/role/`, { user_id: owner.id, role: 'member' }))).toBe('invalid_request')
    expect(await errorCode(await post(owner, `/chat/${chatId}/role/`, { user_id: outsider.id, role: 'admin' }))).toBe('not_found')
    expect(await errorCode(await post(outsider, `/chat/${chatId}/role/`, { user_id: member.id, role: 'admin' }))).toBe('not_member')
    expect(await errorCode(await post(owner, `/chat/${chatId}/role/`, { role: 'admin' }))).toBe('invalid_request')
    const direct = ((await (await openPrivate(owner, peer)).json()) as PrivateChatResponse).chat_id
    expect(await errorCode(await post(owner, `/chat/${direct}/role/`, { user_id: peer.id, role: 'admin' }))).toBe('forbidden')
  })
})

describe('GET /chat/explore/', () => {
  it('lists public groups the user has not joined, with member counts', async () => {
    const [owner, member, viewer] = await Promise.all([signUp('owner'), signUp('member'), signUp('viewer')])
    const open = await createGroup(owner, 'public')
    const hidden = await createGroup(owner, 'private')
    const joined = await createGroup(owner, 'public')
    await addToGroup(open, owner, member)
    await post(viewer, `/chat/${joined}/add/`)
    const body = (await (await get(viewer, '/chat/explore/')).json()) as ExploreResponse
    const ids = body.groups.map((g) => g.chat_id)
    expect(body.groups.find((g) => g.chat_id === open)).toEqual({ chat_id: open, name: expect.any(String), member_count: 2 })
    expect(ids).not.toContain(hidden)
    expect(ids).not.toContain(joined)
  })
})

describe('GET /chat/<id>/history/', () => {
  it('pages oldest first within a page, newest page first', async () => {
    const owner = await signUp('pager')
    const chatId = await createGroup(owner)
    // The group's log starts with its system messages; m1..m5 take the seqs after them.
    const base = await lastSeqOf(chatId)
    for (let i = 1; i <= 5; i++) await sendMessage(chatId, owner, `m${i}`)
    const page = async (query: string) => (await (await get(owner, `/chat/${chatId}/history/${query}`)).json()) as HistoryResponse
    const latest = await page('?limit=2')
    expect(latest.messages.map((m) => m.seq)).toEqual([base + 4, base + 5])
    expect(latest.has_more).toBe(true)
    expect(latest.messages[0]).toEqual({
      id: expect.any(String),
      seq: base + 4,
      chat_id: chatId,
      sender: owner.username,
      sender_id: owner.id,
      message: 'm4',
      created_at: expect.any(String),
      client_id: null,
      kind: 'message',
      event: null,
      reply_to: null,
      edited_at: null,
      deleted: false,
      reactions: [],
      attachments: [],
    })
    expect((await page(`?before=${base + 4}&limit=2`)).messages.map((m) => m.seq)).toEqual([base + 2, base + 3])
    const last = await page(`?before=${base + 2}`)
    expect(last.messages.map((m) => m.seq)).toEqual(Array.from({ length: base + 1 }, (_, i) => i + 1))
    expect(memberMessages(last.messages).map((m) => m.message)).toEqual(['m1'])
    expect(last.has_more).toBe(false)
    const all = (await page('')).messages
    expect(all).toHaveLength(base + 5)
    expect(memberMessages(all)).toHaveLength(5)
  })

  it('answers 404 for a missing chat, 403 for a non-member and 400 for bad paging', async () => {
    const [owner, stranger] = await Promise.all([signUp('owner'), signUp('stranger')])
    const chatId = await createGroup(owner)
    const missing = await get(owner, '/chat/999999/history/')
    expect(missing.status).toBe(404)
    const refused = await get(stranger, `/chat/${chatId}/history/`)
    expect(refused.status).toBe(403)
    expect(await errorCode(refused)).toBe('not_member')
    for (const query of ['?before=x', '?limit=-1', '?before=0', '?limit=1e3']) {
      expect(await errorCode(await get(owner, `/chat/${chatId}/history/${query}`))).toBe('invalid_request')
    }
  })
})

describe('POST /chat/<id>/send/', () => {
  it('stores a message, dedupes by client_id and validates the text', async () => {
    const owner = await signUp('sender')
    const chatId = await createGroup(owner)
    const base = await lastSeqOf(chatId)
    const res = await post(owner, `/chat/${chatId}/send/`, { message: 'via rest', client_id: 'r1' })
    expect(res.status).toBe(201)
    const body = (await res.json()) as SendResponse
    expect(body).toMatchObject({ duplicate: false, message: { seq: base + 1, message: 'via rest', client_id: 'r1', sender_id: owner.id } })
    const again = await post(owner, `/chat/${chatId}/send/`, { message: 'via rest', client_id: 'r1' })
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ duplicate: true, message: { seq: base + 1, id: body.message.id } })
    expect(await errorCode(await post(owner, `/chat/${chatId}/send/`, {}))).toBe('invalid_request')
    expect(await errorCode(await post(owner, `/chat/${chatId}/send/`, { message: 'x'.repeat(4001) }))).toBe('invalid_request')
    expect(await errorCode(await post(owner, `/chat/${chatId}/send/`, { message: 'ok', client_id: 5 }))).toBe('invalid_request')
    expect(await errorCode(await post(owner, '/chat/999999/send/', { message: 'ok' }))).toBe('not_found')
  })
})

describe('GET /chat/list/', () => {
  it('names 1:1 chats after the other person, previews the last message and counts unread', async () => {
    const [a, b] = await Promise.all([signUp('la'), signUp('lb')])
    const direct = ((await (await openPrivate(a, b)).json()) as PrivateChatResponse).chat_id
    const group = await createGroup(b)
    await sendMessage(direct, a, 'one')
    await sendMessage(direct, a, 'two')
    const list = async (user: TestUser) => ((await (await get(user, '/chat/list/')).json()) as ChatListResponse).chats
    const forB = await list(b)
    expect(forB.map((c) => c.chat_id)).toEqual([direct, group])
    expect(forB[0]).toEqual({
      chat_id: direct,
      is_group: false,
      name: a.username,
      visibility: null,
      role: 'member',
      peer: { userid: a.id, username: a.username, online: false, last_seen_at: null },
      last_message: { sender: a.username, sender_id: a.id, message: 'two', created_at: expect.any(String), seq: 2 },
      last_activity_at: expect.any(String),
      unread_count: 2,
    })
    expect(forB[1]).toMatchObject({ chat_id: group, last_message: null, unread_count: 0, peer: null })
    expect((await list(a))[0]).toMatchObject({ chat_id: direct, name: b.username, unread_count: 0 })

    const socket = await openSocket(direct, b.accessToken)
    socket.send({ type: 'read', seq: 1 })
    socket.send({ type: 'ping' })
    await socket.waitFor((f) => f.type === 'pong')
    expect((await list(b))[0]).toMatchObject({ chat_id: direct, unread_count: 1 })

    await sendMessage(group, b, 'newest')
    expect((await list(b)).map((c) => c.chat_id)).toEqual([group, direct])
  })
})
