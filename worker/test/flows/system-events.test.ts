import { describe, expect, it } from 'vitest'
import type { CreatedInviteBody, HistoryResponse, SystemEvent } from '../../../protocol/http'
import { addToGroup, api, authed, createGroup, json, openSocket, sendMessage, signUp, type TestUser } from '../helpers'

function call(user: TestUser, method: string, path: string, body?: unknown): Promise<Response> {
  return api(path, authed(user.accessToken, body === undefined ? { method } : { ...json(body), method }))
}

async function expectOk(res: Promise<Response>): Promise<Response> {
  const answer = await res
  if (answer.status >= 300) throw new Error(`${answer.status} ${await answer.text()}`)
  return answer
}

describe('system messages', { timeout: 60_000 }, () => {
  it('records every membership and settings change in the room\'s log, in order, with its event', async () => {
    const [owner, admin, joiner, guest] = await Promise.all([signUp('own'), signUp('adm'), signUp('join'), signUp('guest')])
    const chatId = await createGroup(owner, 'public')
    const socket = await openSocket(chatId, owner.accessToken)
    await socket.waitFor((f) => f.type === 'ready')
    await addToGroup(chatId, owner, admin)
    await expectOk(call(joiner, 'POST', `/chat/${chatId}/add/`))
    await expectOk(call(owner, 'POST', `/chat/${chatId}/role/`, { user_id: admin.id, role: 'admin' }))
    await expectOk(call(admin, 'PATCH', `/chat/${chatId}/`, { name: 'Renamed group', visibility: 'private' }))
    await sendMessage(chatId, owner, 'a message between the events')
    const invite = (await (await expectOk(call(owner, 'POST', `/chat/${chatId}/invites/`, {}))).json()) as CreatedInviteBody
    await expectOk(call(guest, 'POST', `/join/${invite.code}/`))
    await expectOk(call(admin, 'POST', `/chat/${chatId}/remove/`, { user_id: guest.id }))
    await expectOk(call(joiner, 'POST', `/chat/${chatId}/remove/`))
    await expectOk(call(owner, 'POST', `/chat/${chatId}/transfer/`, { user_id: admin.id }))
    // Nothing changed: no system message.
    await expectOk(call(admin, 'PATCH', `/chat/${chatId}/`, { name: 'Renamed group' }))

    const history = (await (await call(admin, 'GET', `/chat/${chatId}/history/`)).json()) as HistoryResponse
    const actor = (u: TestUser) => ({ actor_id: u.id, actor: u.username })
    const subject = (u: TestUser) => ({ user_id: u.id, username: u.username })
    const expected: (SystemEvent | 'message')[] = [
      { type: 'created', ...actor(owner) },
      { type: 'added', ...actor(owner), ...subject(admin) },
      { type: 'joined', ...actor(joiner) },
      { type: 'role_changed', role: 'admin', ...actor(owner), ...subject(admin) },
      { type: 'renamed', name: 'Renamed group', ...actor(admin) },
      { type: 'visibility_changed', visibility: 'private', ...actor(admin) },
      'message',
      { type: 'joined', ...actor(guest) },
      { type: 'removed', ...actor(admin), ...subject(guest) },
      { type: 'left', ...actor(joiner) },
      { type: 'ownership_transferred', ...actor(owner), ...subject(admin) },
    ]
    expect(history.messages.map((m) => (m.kind === 'system' ? m.event : 'message'))).toEqual(expected)
    const seqs = history.messages.map((m) => m.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    for (const m of history.messages.filter((m) => m.kind === 'system')) expect(m).toMatchObject({ message: null, sender_id: m.event!.actor_id })

    // The open socket got each one live, as a message frame, in the same order.
    const last = history.messages.at(-1)!.seq
    await socket.waitFor((f) => f.type === 'message' && f.seq === last)
    const live = socket.frames.flatMap((f) => (f.type === 'message' && f.kind === 'system' ? [f.event!.type] : []))
    expect(live).toEqual(expected.flatMap((e) => (e === 'message' || e.type === 'created' ? [] : [e.type])))
    socket.ws.close(1000)
  })
})
