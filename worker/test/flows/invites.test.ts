import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { ChatResponse, CreatedInviteBody, InvitesResponse } from '../../../protocol/http'
import { sha256Hex } from '../../crypto/hash'
import { SUBPROTOCOL } from '../../../protocol/socket'
import { startMembership } from '../../chats/chats'
import { joinByInvite } from '../../chats/invites'
import { d1Db } from '../../db/client'
import { addToGroup, api, authed, callUntilLimited, createGroup, errorCode, expectLimitedAfter, freshUserIds, json, ORIGIN, roomGate, signUp, socketPath, upgrade, type TestUser } from '../helpers'

function call(user: TestUser, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const init: RequestInit = body === undefined ? { method, headers } : { ...json(body, headers), method }
  return api(path, authed(user.accessToken, init))
}

async function invite(chatId: number, by: TestUser, body: unknown = {}): Promise<CreatedInviteBody> {
  const res = await call(by, 'POST', `/chat/${chatId}/invites/`, body)
  if (res.status !== 201) throw new Error(`invite failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as CreatedInviteBody
}

function join(user: TestUser, code: string, headers: Record<string, string> = {}): Promise<Response> {
  return call(user, 'POST', `/join/${code}/`, undefined, headers)
}

async function memberCount(chatId: number): Promise<number> {
  return (await env.DB.prepare('SELECT count(*) AS n FROM chat_members WHERE chat_id = ?').bind(chatId).first<number>('n'))!
}

describe('POST /chat/<id>/invites/', { timeout: 30_000 }, () => {
  it('answers the code once, stores only its SHA-256, and lists the invite without it', async () => {
    const owner = await signUp('inv')
    const chatId = await createGroup(owner, 'private')
    const created = await invite(chatId, owner, { expires_in: 3600, max_uses: 5 })
    expect(created).toMatchObject({ chat_id: chatId, created_by: owner.id, max_uses: 5, uses: 0, url: `${ORIGIN}/join/${created.code}` })
    expect(created.code).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(created.id).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(3600 * 1000)
    const row = await env.DB.prepare('SELECT * FROM invites WHERE id = ?').bind(created.id).first<Record<string, unknown>>()
    expect(row!.code_hash).toBe(await sha256Hex(created.code))
    expect(JSON.stringify(row)).not.toContain(created.code)
    const list = (await (await call(owner, 'GET', `/chat/${chatId}/invites/`)).json()) as InvitesResponse
    expect(list.invites).toEqual([{ id: created.id, chat_id: chatId, created_by: owner.id, created_at: created.created_at, expires_at: created.expires_at, max_uses: 5, uses: 0 }])
  })

  it('defaults to 7 days and no use limit', async () => {
    const owner = await signUp('inv')
    const created = await invite(await createGroup(owner), owner)
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(7 * 24 * 3600 * 1000)
    expect(created.max_uses).toBeNull()
  })

  it.each([
    ['expires_in below 60 s', { expires_in: 59 }, 'expires_in'],
    ['expires_in over 30 days', { expires_in: 30 * 24 * 3600 + 1 }, 'expires_in'],
    ['a fractional expires_in', { expires_in: 90.5 }, 'expires_in'],
    ['max_uses 0', { max_uses: 0 }, 'max_uses'],
    ['max_uses over 1000', { max_uses: 1001 }, 'max_uses'],
    ['a text max_uses', { max_uses: 'many' }, 'max_uses'],
  ])('refuses %s', async (_, body, field) => {
    const owner = await signUp('inv')
    const chatId = await createGroup(owner)
    const res = await call(owner, 'POST', `/chat/${chatId}/invites/`, body)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string; field?: string } }).error).toMatchObject({ code: 'invalid_request', field })
    expect(await env.DB.prepare('SELECT count(*) AS n FROM invites WHERE chat_id = ?').bind(chatId).first('n')).toBe(0)
  })
})

describe('POST /join/<code>/', { timeout: 30_000 }, () => {
  it('joins a private group, counts the use, and answers the list row; a member again is 200 with no use', async () => {
    const [owner, guest] = await Promise.all([signUp('own'), signUp('guest')])
    const chatId = await createGroup(owner, 'private')
    const { code, id } = await invite(chatId, owner, { max_uses: 2 })
    const res = await join(guest, code)
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ chat_id: chatId, role: 'member', visibility: 'private' } satisfies Partial<ChatResponse>)
    const again = await join(guest, code)
    expect(again.status).toBe(200)
    expect(await env.DB.prepare('SELECT uses FROM invites WHERE id = ?').bind(id).first('uses')).toBe(1)
    expect((await call(guest, 'GET', `/chat/${chatId}/history/`)).status).toBe(200)
  })

  it('joins a public group too', async () => {
    const [owner, guest] = await Promise.all([signUp('own'), signUp('guest')])
    const chatId = await createGroup(owner, 'public')
    expect((await join(guest, (await invite(chatId, owner)).code)).status).toBe(201)
  })

  it('refuses an expired invite with invite_expired', async () => {
    const [owner, guest] = await Promise.all([signUp('own'), signUp('guest')])
    const chatId = await createGroup(owner, 'private')
    const { code, id } = await invite(chatId, owner, { expires_in: 60 })
    // No controllable clock in the worker: the row is made to have expired a moment ago.
    await env.DB.prepare('UPDATE invites SET expires_at_ms = ? WHERE id = ?').bind(Date.now() - 1, id).run()
    const res = await join(guest, code)
    expect(res.status).toBe(410)
    expect(await errorCode(res)).toBe('invite_expired')
    expect(await memberCount(chatId)).toBe(1)
  })

  it('refuses an invite used max_uses times with invite_exhausted', async () => {
    const [owner, first, second] = await Promise.all([signUp('own'), signUp('g1'), signUp('g2')])
    const chatId = await createGroup(owner, 'private')
    const { code } = await invite(chatId, owner, { max_uses: 1 })
    expect((await join(first, code)).status).toBe(201)
    const res = await join(second, code)
    expect(res.status).toBe(410)
    expect(await errorCode(res)).toBe('invite_exhausted')
    expect(await memberCount(chatId)).toBe(2)
  })

  it('refuses a revoked invite with invite_revoked, and it leaves the list', async () => {
    const [owner, admin, guest] = await Promise.all([signUp('own'), signUp('adm'), signUp('guest')])
    const chatId = await createGroup(owner, 'private')
    await addToGroup(chatId, owner, admin)
    await call(owner, 'POST', `/chat/${chatId}/role/`, { user_id: admin.id, role: 'admin' })
    const { code, id } = await invite(chatId, owner)
    const revoke = await call(admin, 'DELETE', `/chat/${chatId}/invites/${id}/`)
    expect(revoke.status).toBe(200)
    expect(await revoke.json()).toEqual({ id, revoked: true })
    expect((await call(admin, 'DELETE', `/chat/${chatId}/invites/${id}/`)).status).toBe(200)
    const res = await join(guest, code)
    expect(res.status).toBe(410)
    expect(await errorCode(res)).toBe('invite_revoked')
    const list = (await (await call(owner, 'GET', `/chat/${chatId}/invites/`)).json()) as InvitesResponse
    expect(list.invites).toEqual([])
  })

  it('refuses revoking an invite of another chat or an unknown one with not_found', async () => {
    const owner = await signUp('own')
    const [chatA, chatB] = await Promise.all([createGroup(owner), createGroup(owner)])
    const { id } = await invite(chatA, owner)
    expect(await errorCode(await call(owner, 'DELETE', `/chat/${chatB}/invites/${id}/`))).toBe('not_found')
    expect(await errorCode(await call(owner, 'DELETE', `/chat/${chatA}/invites/AAAAAAAAAAAAAAAA/`))).toBe('not_found')
    expect(await errorCode(await call(owner, 'DELETE', `/chat/${chatA}/invites/short/`))).toBe('invalid_request')
  })

  it('lets exactly one of two concurrent joins use an invite with max_uses 1', async () => {
    const [owner, a, b] = await Promise.all([signUp('own'), signUp('ra'), signUp('rb')])
    const chatId = await createGroup(owner, 'private')
    const { code, id } = await invite(chatId, owner, { max_uses: 1 })
    const answers = await Promise.all([join(a, code), join(b, code)])
    expect(answers.map((r) => r.status).sort()).toEqual([201, 410])
    expect(await memberCount(chatId)).toBe(2)
    expect(await env.DB.prepare('SELECT uses FROM invites WHERE id = ?').bind(id).first('uses')).toBe(1)
  })

  it('answers not_found for an unknown code and for the invite of a deleted group', async () => {
    const [owner, guest] = await Promise.all([signUp('own'), signUp('guest')])
    const chatId = await createGroup(owner, 'private')
    const { code } = await invite(chatId, owner)
    expect(await errorCode(await join(guest, 'A'.repeat(43)))).toBe('not_found')
    expect((await call(owner, 'DELETE', `/chat/${chatId}/`)).status).toBe(200)
    expect(await errorCode(await join(guest, code))).toBe('not_found')
  })

  it.each([
    ['too short', 'A'.repeat(42)],
    ['too long', 'A'.repeat(44)],
    ['not base64url', `${'A'.repeat(42)}+`],
    ['padded', `${'A'.repeat(42)}=`],
    ['unicode', encodeURIComponent('é'.repeat(43))],
    ['an encoded slash', `${'A'.repeat(21)}%2F${'A'.repeat(21)}`],
  ])('refuses a code %s with invalid_request', async (_, code) => {
    const guest = await signUp('guest')
    const res = await join(guest, code)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string; field?: string } }).error).toMatchObject({ code: 'invalid_request', field: 'code' })
  })

  it('answers 404 for an empty code (no such route)', async () => {
    const guest = await signUp('guest')
    expect(await errorCode(await join(guest, ''))).toBe('not_found')
  })

  it('needs a signed-in user', async () => {
    const res = await api(`/join/${'A'.repeat(43)}/`, { method: 'POST' })
    expect(res.status).toBe(401)
  })

  it('rate-limits one user, and one client IP across users', async () => {
    await freshUserIds()
    const [user, other, third] = await Promise.all([signUp('rl'), signUp('rl2'), signUp('rl3')])
    const unknown = 'B'.repeat(43)
    expectLimitedAfter(await callUntilLimited(20, () => join(user, unknown)), 20, 404)
    // Two users from one address: the address's count, not either user's, reaches the limit.
    const ip = { 'CF-Connecting-IP': `198.51.100.${Math.floor(Math.random() * 250) + 1}` }
    expectLimitedAfter(await callUntilLimited(20, (i) => join(i % 2 === 0 ? other : third, unknown, ip)), 20, 404)
  })
})

// A join refused by its write (the invite used up or revoked after the room admitted the user) must
// undo the room's admission: the room is the authority for socket upgrades.
describe('a refused invite join', () => {
  async function upgradeStatus(chatId: number, user: TestUser): Promise<number> {
    const res = await upgrade(socketPath(chatId, user.accessToken, 0), { Origin: ORIGIN, 'Sec-WebSocket-Protocol': SUBPROTOCOL })
    if (res.status === 101) {
      res.webSocket!.accept()
      res.webSocket!.close(1000)
    }
    return res.status
  }

  it('leaves no socket to the loser of the last use', async () => {
    const owner = await signUp('owner')
    for (let round = 0; round < 4; round++) {
      const [a, b] = await Promise.all([signUp('a'), signUp('b')])
      const chatId = await createGroup(owner, 'private')
      const { code } = await invite(chatId, owner, { max_uses: 1 })
      const answers = await Promise.all([a, b].map((u) => join(u, code)))
      expect(answers.map((r) => r.status).sort()).toEqual([201, 410].sort())
      const loser = answers[0]!.status === 201 ? b : a
      expect(await upgradeStatus(chatId, loser), `round ${round}`).toBe(403)
    }
  })

  it('answers a double click on a one-use invite 201 and 200, one use counted', async () => {
    const owner = await signUp('owner')
    for (let round = 0; round < 4; round++) {
      const user = await signUp('clicker')
      const chatId = await createGroup(owner, 'private')
      const created = await invite(chatId, owner, { max_uses: 1 })
      const answers = await Promise.all([join(user, created.code), join(user, created.code)])
      expect(answers.map((r) => r.status).sort(), `round ${round}`).toEqual([200, 201])
      expect(await upgradeStatus(chatId, user)).toBe(101)
    }
  })

  it('an undo takes back only its own admission, never a later one of the same user', async () => {
    const owner = await signUp('owner')
    const user = await signUp('twice')
    const chatId = await createGroup(owner, 'private')
    const room = env.CHAT_ROOM.getByName(String(chatId))
    const first = await room.admit(user.id)
    const second = await room.admit(user.id)
    expect(second.admission).toBe(first.admission + 1)
    expect(await room.undoAdmission(user.id, first.admission)).toBe(false)
    expect(await upgradeStatus(chatId, user), 'still admitted').toBe(101)
    expect(await room.undoAdmission(user.id, second.admission)).toBe(true)
    expect(await upgradeStatus(chatId, user), 'undone').toBe(403)
  })

  it('leaves no admission behind when the membership write fails', async () => {
    const owner = await signUp('owner')
    const user = await signUp('failed')
    const chatId = await createGroup(owner, 'private')
    const failing = async (): Promise<never> => {
      throw new Error('D1 is unavailable')
    }
    await expect(startMembership(d1Db(env.DB), env.CHAT_ROOM, chatId, user.id, Date.now(), failing)).rejects.toThrow('D1 is unavailable')
    expect(await memberCount(chatId)).toBe(1)
    expect(await upgradeStatus(chatId, user)).toBe(403)
  })

  it('undoes the admission when the invite is revoked between the room and the D1 write', async () => {
    const owner = await signUp('owner')
    const user = await signUp('late')
    const chatId = await createGroup(owner, 'private')
    const created = await invite(chatId, owner)
    const rooms = roomGate((room) => ({
      admit: async (userId) => {
        const admitted = await room.admit(userId)
        expect((await call(owner, 'DELETE', `/chat/${chatId}/invites/${created.id}/`)).status).toBe(200)
        return admitted
      },
    }))
    const actor = { id: user.id, username: user.username, sessionId: '', expiresAt: 0 }
    await expect(joinByInvite(d1Db(env.DB), rooms, created.code, actor)).rejects.toMatchObject({ code: 'invite_revoked' })
    expect(await memberCount(chatId)).toBe(1)
    expect(await upgradeStatus(chatId, user)).toBe(403)
  })
})
