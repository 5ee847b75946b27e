import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ErrorCode } from '../../../protocol/errors'
import type { LoginResponse } from '../../../protocol/http'
import { CLOSE_CODES, SUBPROTOCOL } from '../../../protocol/socket'
import { isSessionRevoked, recordRevokedSessions } from '../../auth/revoked-sessions'
import { addMember } from '../../chats/chats'
import { d1Db } from '../../db/client'
import { shardName, shardOf } from '../../rooms/shard/plan'
import { openChannel, upgradeChannel } from '../channel'
import { addToGroup, api, authed, closeCode, createGroup, errorCode, json, openSocket, refreshCookie, roomGate, sendMessage, signUp, socketPath, upgrade, ORIGIN, type TestUser } from '../helpers'

// Issue #14: a revoked session's access token and sockets stop at once, not when the token expires.

/** A second login of `user` (the "stolen device"): its access token, cookie and session id. */
async function secondLogin(user: TestUser): Promise<{ token: string; cookie: string; sessionId: string }> {
  const res = await api('/login/', json({ Email: user.email, Password: user.password }))
  expect(res.status).toBe(200)
  const token = ((await res.json()) as LoginResponse).access_token
  return { token, cookie: refreshCookie(res)!, sessionId: sessionIdOf(token) }
}

function sessionIdOf(token: string): string {
  const payload = token.split('.')[1]!.replaceAll('-', '+').replaceAll('_', '/')
  return (JSON.parse(atob(payload)) as { sid: string }).sid
}

function upgradeRoom(chatId: number, token: string): Promise<Response> {
  return upgrade(socketPath(chatId, token), { Origin: ORIGIN, 'Sec-WebSocket-Protocol': SUBPROTOCOL })
}

/** Status and code of a refused upgrade (101: accepted; the socket is closed at once). */
async function upgradeOutcome(res: Response): Promise<number | ErrorCode> {
  if (res.status === 101) {
    res.webSocket!.accept()
    res.webSocket!.close(1000)
    return 101
  }
  return errorCode(res)
}

interface Action {
  name: string
  /** What the signed-in session (`user.accessToken`) does to end the other one. */
  act(user: TestUser, other: { sessionId: string; cookie: string }): Promise<Response>
  /** The close code of the other session's open sockets. */
  closes: number
  /** What a new room upgrade with the other session's token gets. */
  roomUpgrade: ErrorCode
  /** Whether the acting session keeps working. */
  keepsActor: boolean
}

const actions: Action[] = [
  {
    name: 'a password change',
    act: (user) => api('/me/password/', authed(user.accessToken, json({ old_password: user.password, new_password: 'the-new-password' }))),
    closes: CLOSE_CODES.sessionRevoked,
    roomUpgrade: 'session_revoked',
    keepsActor: true,
  },
  {
    name: 'an account deletion',
    act: (user) => api('/me/', authed(user.accessToken, { ...json({ password: user.password }), method: 'DELETE' })),
    closes: CLOSE_CODES.accountDeleted,
    // The room forgot the member (`forgetUser`).
    roomUpgrade: 'not_member',
    keepsActor: false,
  },
  {
    name: 'a session revoke',
    act: (user, other) => api(`/sessions/${other.sessionId}/`, authed(user.accessToken, { method: 'DELETE' })),
    closes: CLOSE_CODES.sessionRevoked,
    roomUpgrade: 'session_revoked',
    keepsActor: true,
  },
  {
    name: "the other session's sign-out",
    act: (_user, other) => api('/logout/', { method: 'POST', headers: { Cookie: other.cookie, Origin: ORIGIN } }),
    closes: CLOSE_CODES.sessionRevoked,
    roomUpgrade: 'session_revoked',
    keepsActor: true,
  },
  {
    name: 'a sign-out everywhere',
    act: (user) => api('/sessions/', authed(user.accessToken, { method: 'DELETE' })),
    closes: CLOSE_CODES.sessionRevoked,
    roomUpgrade: 'session_revoked',
    keepsActor: false,
  },
]

describe('revoking a session', () => {
  it.each(actions)('after $name, the other session is refused on REST, its sockets close and new upgrades are refused', async (action) => {
    const owner = await signUp('owner')
    const user = await signUp('victim')
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, user)
    const stolen = await secondLogin(user)
    const [stolenChannel, stolenRoom, ownChannel, ownRoom] = await Promise.all([
      openChannel(stolen.token),
      openSocket(chatId, stolen.token),
      openChannel(user.accessToken),
      openSocket(chatId, user.accessToken),
    ])
    await stolenRoom.waitFor((f) => f.type === 'ready')
    await ownRoom.waitFor((f) => f.type === 'ready')

    expect((await action.act(user, stolen)).status).toBe(200)

    // The action's response comes after the rooms and the hub were told: the closes are under way.
    expect(await closeCode(stolenChannel), 'open live channel').toBe(action.closes)
    expect(await closeCode(stolenRoom), 'open room socket').toBe(action.closes)
    for (const path of ['/chat/list/', '/sessions/']) {
      const rest = await api(path, authed(stolen.token))
      expect(rest.status, `GET ${path}`).toBe(401)
      expect(await errorCode(rest), `GET ${path}`).toBe('session_revoked')
    }
    expect(await upgradeOutcome(await upgradeChannel(stolen.token)), 'new live upgrade').toBe('session_revoked')
    expect(await upgradeOutcome(await upgradeRoom(chatId, stolen.token)), 'new room upgrade').toBe(action.roomUpgrade)

    if (action.keepsActor) {
      expect((await api('/chat/list/', authed(user.accessToken))).status).toBe(200)
      await ownChannel.sync()
      const pongs = ownRoom.frames.filter((f) => f.type === 'pong').length
      ownRoom.send({ type: 'ping' })
      await ownRoom.waitFor(() => ownRoom.frames.filter((f) => f.type === 'pong').length > pongs)
      expect(await upgradeOutcome(await upgradeChannel(user.accessToken))).toBe(101)
      expect(await upgradeOutcome(await upgradeRoom(chatId, user.accessToken))).toBe(101)
    } else {
      expect(await errorCode(await api('/chat/list/', authed(user.accessToken)))).toBe('session_revoked')
      expect(await closeCode(ownChannel)).toBe(action.closes)
      expect(await closeCode(ownRoom)).toBe(action.closes)
    }
    ownChannel.ws.close(1000)
    ownRoom.ws.close(1000)
  })

  it.each([
    ['room socket', 'room'],
    ['live channel', 'channel'],
  ] as const)("closes a %s renewed with a revoked session's token with 4006", async (_name, kind) => {
    const owner = await signUp('owner')
    const user = await signUp('renewer')
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, user)
    const stolen = await secondLogin(user)
    const res = await api(`/sessions/${stolen.sessionId}/`, authed(user.accessToken, { method: 'DELETE' }))
    expect(res.status).toBe(200)
    const socket = kind === 'room' ? await openSocket(chatId, user.accessToken) : await openChannel(user.accessToken)
    if (kind === 'room') await (socket as Awaited<ReturnType<typeof openSocket>>).waitFor((f) => f.type === 'ready')
    socket.ws.send(JSON.stringify({ type: 'auth', token: stolen.token }))
    expect(await closeCode(socket)).toBe(CLOSE_CODES.sessionRevoked)
  })

  it('closes the sockets of a login whose refresh token was reused (a stolen cookie shows itself), and keeps the others', async () => {
    const owner = await signUp('owner')
    const user = await signUp('reused')
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, user)
    const other = await secondLogin(user)
    const [room, channel, kept] = await Promise.all([openSocket(chatId, user.accessToken), openChannel(user.accessToken), openSocket(chatId, other.token)])
    await Promise.all([room.waitFor((f) => f.type === 'ready'), kept.waitFor((f) => f.type === 'ready')])
    const refresh = (cookie: string) => api('/refresh/', { method: 'POST', headers: { Cookie: cookie } })
    // The thief rotates the stolen cookie, and rotates again: the user's browser still holds the first.
    const first = await refresh(user.cookie)
    expect(first.status).toBe(200)
    expect((await refresh(refreshCookie(first)!)).status).toBe(200)
    const reuse = await refresh(user.cookie)
    expect([reuse.status, await errorCode(reuse)]).toEqual([401, 'invalid_token'])
    expect(await Promise.all([closeCode(room), closeCode(channel)])).toEqual([CLOSE_CODES.sessionRevoked, CLOSE_CODES.sessionRevoked])
    kept.send({ type: 'ping' })
    await kept.waitFor((f) => f.type === 'pong')
  })
})

interface Entry {
  name: string
  /** Brings `user` (whose other session was revoked) into a chat of `owner`'s; returns its id. */
  enter(owner: TestUser, user: TestUser): Promise<number>
}

async function created(res: Response): Promise<number> {
  expect([200, 201]).toContain(res.status)
  return ((await res.json()) as { chat_id: number }).chat_id
}

// The rooms a revocation tells are those of the chats the user is in at that moment; a chat entered
// afterwards must refuse the revoked session's tokens too, for as long as they verify. Each entry
// reaches the room by another path: `admit` on an open room, or the room's first copy from D1.
const entries: Entry[] = [
  {
    name: 'added to a group whose room is open',
    async enter(owner, user) {
      const chatId = await createGroup(owner)
      await sendMessage(chatId, owner, 'the room is open')
      await addToGroup(chatId, owner, user)
      return chatId
    },
  },
  {
    name: 'joining a public group with their other session',
    async enter(owner, user) {
      const chatId = await createGroup(owner)
      expect((await api(`/chat/${chatId}/add/`, authed(user.accessToken, json({})))).status).toBe(201)
      return chatId
    },
  },
  {
    name: 'joining by an invite link',
    async enter(owner, user) {
      const chatId = await createGroup(owner, 'private')
      const res = await api(`/chat/${chatId}/invites/`, authed(owner.accessToken, json({})))
      expect(res.status).toBe(201)
      const { code } = (await res.json()) as { code: string }
      expect((await api(`/join/${code}/`, authed(user.accessToken, { method: 'POST' }))).status).toBe(201)
      return chatId
    },
  },
  {
    name: 'a new 1:1 someone opens with them (the room first opens at the upgrade)',
    enter: (owner, user) => api('/chat/private/', authed(owner.accessToken, json({ user_id: user.id }))).then(created),
  },
  {
    name: 'a new 1:1 they open with their other session, used at once',
    async enter(owner, user) {
      const chatId = await api('/chat/private/', authed(user.accessToken, json({ user_id: owner.id }))).then(created)
      await sendMessage(chatId, user, 'the room is open')
      return chatId
    },
  },
]

describe('a chat entered after a session was revoked', () => {
  it.each(entries)("refuses the revoked session's token: $name", async ({ enter }) => {
    const owner = await signUp('owner')
    const user = await signUp('latecomer')
    const stolen = await secondLogin(user)
    expect((await api(`/sessions/${stolen.sessionId}/`, authed(user.accessToken, { method: 'DELETE' }))).status).toBe(200)
    const chatId = await enter(owner, user)
    expect(await upgradeOutcome(await upgradeRoom(chatId, stolen.token)), 'revoked session').toBe('session_revoked')
    expect(await upgradeOutcome(await upgradeRoom(chatId, user.accessToken)), 'live session').toBe(101)
  })

  it('refuses it whichever comes first when the revocation and the add run at once', async () => {
    const owner = await signUp('owner')
    for (let round = 0; round < 6; round++) {
      const user = await signUp('racer')
      const stolen = await secondLogin(user)
      const chatId = await createGroup(owner)
      await sendMessage(chatId, owner, 'the room is open')
      const revoke = () => api(`/sessions/${stolen.sessionId}/`, authed(user.accessToken, { method: 'DELETE' }))
      const add = () => addToGroup(chatId, owner, user)
      const [revoked] = round % 2 === 0 ? await Promise.all([revoke(), add()]) : (await Promise.all([add(), revoke()])).reverse()
      expect((revoked as Response).status).toBe(200)
      expect(await upgradeOutcome(await upgradeRoom(chatId, stolen.token)), `round ${round}`).toBe('session_revoked')
    }
  })
})

const actorOf = (user: TestUser) => ({ id: user.id, username: user.username, sessionId: '', expiresAt: 0 })

describe('a membership starting with a session revoked before it', () => {
  it('refuses that session already between the room admission and the D1 write (no history replayed)', async () => {
    const owner = await signUp('owner')
    const user = await signUp('window')
    const stolen = await secondLogin(user)
    expect((await api(`/sessions/${stolen.sessionId}/`, authed(user.accessToken, { method: 'DELETE' }))).status).toBe(200)
    const chatId = await createGroup(owner, 'private')
    await sendMessage(chatId, owner, 'a secret')
    let during: number | ErrorCode | null = null
    const gate = roomGate((room) => ({
      admit: async (userId) => {
        const admitted = await room.admit(userId)
        during = await upgradeOutcome(await upgrade(socketPath(chatId, stolen.token, 0), { Origin: ORIGIN, 'Sec-WebSocket-Protocol': SUBPROTOCOL }))
        return admitted
      },
    }))
    await addMember(d1Db(env.DB), gate, chatId, actorOf(owner), user.id)
    expect(during).toBe('session_revoked')
    expect(await upgradeOutcome(await upgradeRoom(chatId, user.accessToken))).toBe(101)
  })

  it('keeps the membership when telling the room after the write fails, and the session stays refused', async () => {
    const owner = await signUp('owner')
    const user = await signUp('failing')
    const stolen = await secondLogin(user)
    expect((await api(`/sessions/${stolen.sessionId}/`, authed(user.accessToken, { method: 'DELETE' }))).status).toBe(200)
    const chatId = await createGroup(owner)
    await sendMessage(chatId, owner, 'the room is open')
    let calls = 0
    const gate = roomGate(() => ({
      closeSessions: async () => {
        calls++
        throw new Error('a transient RPC failure')
      },
    }))
    const change = await addMember(d1Db(env.DB), gate, chatId, actorOf(owner), user.id)
    expect(change.changed).toBe(true)
    expect(calls).toBeGreaterThan(1)
    expect(await upgradeOutcome(await upgradeRoom(chatId, stolen.token))).toBe('session_revoked')
  })
})

describe('a group sharded after a session was revoked', { timeout: 60_000 }, () => {
  const SHARDS = 4
  it.each([
    ['a member whose session was revoked before the group was sharded', false],
    ['the creator, whose revocation came before the group and its room existed', true],
  ] as const)("refuses an auth frame with the revoked session's token on the shard: %s", async (_name, beforeGroup) => {
    const user = await signUp('sharded')
    const stolen = await secondLogin(user)
    const revokeStolen = async () => expect((await api(`/sessions/${stolen.sessionId}/`, authed(user.accessToken, { method: 'DELETE' }))).status).toBe(200)
    if (beforeGroup) await revokeStolen()
    const chatId = await createGroup(user)
    for (const other of await Promise.all([1, 2, 3].map((i) => signUp(`m${i}`)))) await addToGroup(chatId, user, other)
    await sendMessage(chatId, user, 'the room is open')
    if (!beforeGroup) await revokeStolen()
    expect(await env.CHAT_ROOM.getByName(String(chatId)).setShardCount(SHARDS)).toBe(SHARDS)
    expect(await upgradeOutcome(await upgradeRoom(chatId, stolen.token))).toBe('session_revoked')
    const socket = await openSocket(chatId, user.accessToken)
    await socket.waitFor((f) => f.type === 'ready')
    const onShard = await runInDurableObject(env.FAN_OUT_SHARD.getByName(shardName(chatId, shardOf(user.id, SHARDS))), (_i, state) => state.getWebSockets().length)
    expect(onShard, 'the socket is on its shard').toBe(1)
    socket.send({ type: 'auth', token: stolen.token })
    expect(await closeCode(socket)).toBe(CLOSE_CODES.sessionRevoked)
  })
})

describe('recordRevokedSessions', () => {
  it('refuses a session until its time, then forgets it at the next record', async () => {
    const user = await signUp('kv')
    await runInDurableObject(env.USER_HUB.getByName(String(user.id)), (_hub, state) => {
      const kv = state.storage.kv
      recordRevokedSessions(kv, ['early', 'late'], 1_000, 0)
      recordRevokedSessions(kv, ['late'], 2_000, 500)
      const cases: [string, string | undefined, number, boolean][] = [
        ['a revoked session before its time', 'early', 999, true],
        ['a revoked session at its time', 'early', 1_000, false],
        ['a session revoked twice keeps the later time', 'late', 1_500, true],
        ['a session never revoked', 'other', 0, false],
        ['a socket without a session', undefined, 0, false],
      ]
      for (const [name, id, nowMs, revoked] of cases) expect(isSessionRevoked(kv, id, nowMs), name).toBe(revoked)
      recordRevokedSessions(kv, ['next'], 3_000, 1_500)
      expect([...kv.list({ prefix: 'revoked_session:' })].map(([key]) => key).sort()).toEqual(['revoked_session:late', 'revoked_session:next'])
    })
  })
})
