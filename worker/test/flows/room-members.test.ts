import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { CLOSE_CODES, SUBPROTOCOL } from '../../../protocol/socket'
import type { ChatRoom } from '../../rooms/object/chat-room'
import { addToGroup, api, authed, closeCode, createGroup, errorCode, json, openSocket, recordSocket, signUp, socketPath, upgrade, ORIGIN, type TestUser } from '../helpers'

// Issue #16: the room is the authority for its member set, so a socket upgrade is one token check
// and one room call, with no D1 query; removal still takes effect at once.

const SUBPROTOCOL_HEADERS = { Origin: ORIGIN, 'Sec-WebSocket-Protocol': SUBPROTOCOL }

function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

function upgradeAs(chatId: number, user: TestUser): Promise<Response> {
  return upgrade(socketPath(chatId, user.accessToken), SUBPROTOCOL_HEADERS)
}

function removeFromGroup(chatId: number, by: TestUser, user: TestUser): Promise<Response> {
  return api(`/chat/${chatId}/remove/`, authed(by.accessToken, json({ user_id: user.id })))
}

/** Makes the room what a room from before issue #16 is: no member set, never copied from D1. */
async function forgetMembers(chatId: number): Promise<void> {
  await runInDurableObject(roomOf(chatId), (instance: ChatRoom, state) => {
    state.storage.sql.exec('DELETE FROM members')
    state.storage.sql.exec("DELETE FROM room_meta WHERE key = 'members_synced'")
    state.storage.kv.delete('receipts_off')
    // The instance's caches go too, as they do when the object is evicted.
    ;(instance as unknown as { opened: unknown }).opened = undefined
  })
}

describe('GET /ws/chat/<id>/ asks the room, not D1', () => {
  it('admits a member whose D1 row is gone and refuses one the room removed, whatever D1 says', async () => {
    const [owner, other] = await Promise.all([signUp('owner'), signUp('other')])
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, other)
    expect((await upgradeAs(chatId, owner)).status).toBe(101)
    // Bypass the routes: D1 alone changes, and the upgrade does not notice.
    await env.DB.prepare('DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?').bind(chatId, other.id).run()
    expect((await upgradeAs(chatId, other)).status).toBe(101)
    // The room alone changes (D1 still lists the owner): refused.
    await roomOf(chatId).removeMember(owner.id)
    const refused = await upgradeAs(chatId, owner)
    expect([refused.status, await errorCode(refused)]).toEqual([403, 'not_member'])
  })

  it('copies the members of a room that predates the member set from D1 once', async () => {
    const [owner, member, removed, offReceipts, stranger] = await Promise.all([signUp('owner'), signUp('member'), signUp('removed'), signUp('quiet'), signUp('stranger')])
    const chatId = await createGroup(owner)
    for (const user of [member, removed, offReceipts]) await addToGroup(chatId, owner, user)
    const patched = await api('/me/', authed(offReceipts.accessToken, { ...json({ read_receipts: false }), method: 'PATCH' }))
    expect(patched.status).toBe(200)
    // The room hears of a removal before D1 does: D1 still lists `removed` when the copy is made.
    await roomOf(chatId).removeMember(removed.id)
    await forgetMembers(chatId)
    const cases: [TestUser, number][] = [
      [owner, 101],
      [member, 101],
      [offReceipts, 101],
      [removed, 403],
      [stranger, 403],
    ]
    const statuses = await Promise.all(cases.map(([user]) => upgradeAs(chatId, user).then((r) => r.status)))
    expect(statuses).toEqual(cases.map(([, status]) => status))
    const copied = await runInDurableObject(roomOf(chatId), (_instance, state) => ({
      members: state.storage.sql.exec<{ user_id: number }>('SELECT user_id FROM members ORDER BY user_id').toArray().map((r) => r.user_id),
      receiptsOff: state.storage.kv.get<number[]>('receipts_off'),
    }))
    expect(copied).toEqual({ members: [owner.id, member.id, offReceipts.id].sort((a, b) => a - b), receiptsOff: [offReceipts.id] })
  })

  it('answers 404 for a chat that does not exist, and 403 for one the user is not in', async () => {
    const [owner, stranger] = await Promise.all([signUp('owner'), signUp('stranger')])
    const chatId = await createGroup(owner)
    const missing = await upgrade(socketPath(chatId + 1_000_000, stranger.accessToken), SUBPROTOCOL_HEADERS)
    expect([missing.status, await errorCode(missing)]).toEqual([404, 'not_found'])
    const notIn = await upgradeAs(chatId, stranger)
    expect([notIn.status, await errorCode(notIn)]).toEqual([403, 'not_member'])
  })

  it('admits a member added after the copy, and refuses them again once removed', async () => {
    const [owner, late] = await Promise.all([signUp('owner'), signUp('late')])
    const chatId = await createGroup(owner)
    expect((await upgradeAs(chatId, owner)).status).toBe(101)
    expect((await upgradeAs(chatId, late)).status).toBe(403)
    await addToGroup(chatId, owner, late)
    expect((await upgradeAs(chatId, late)).status).toBe(101)
    expect((await removeFromGroup(chatId, owner, late)).status).toBe(200)
    expect((await upgradeAs(chatId, late)).status).toBe(403)
  })
})

describe('removal races through the real routes', () => {
  for (const removeFirst of [false, true]) {
    it(`leaves no open socket when the removal is ${removeFirst ? 'sent before' : 'sent after'} the upgrade, ten times`, { timeout: 30_000 }, async () => {
      const owner = await signUp('owner')
      const chatId = await createGroup(owner)
      for (let i = 0; i < 10; i++) {
        const victim = await signUp('victim')
        await addToGroup(chatId, owner, victim)
        const [removal, admitted] = removeFirst
          ? await Promise.all([removeFromGroup(chatId, owner, victim), upgradeAs(chatId, victim)])
          : await Promise.all([upgradeAs(chatId, victim), removeFromGroup(chatId, owner, victim)]).then(([u, r]) => [r, u] as const)
        expect(removal.status).toBe(200)
        if (admitted.status === 101) expect(await closeCode(await recordSocket(admitted))).toBe(CLOSE_CODES.notMember)
        else expect([admitted.status, await errorCode(admitted)]).toEqual([403, 'not_member'])
        const open = await runInDurableObject(roomOf(chatId), (_instance, state) =>
          state.getWebSockets(String(victim.id)).filter((ws) => ws.readyState === WebSocket.OPEN).length,
        )
        expect(open).toBe(0)
      }
    })
  }

  it('stores exactly the sends it acked to a member removed while sending, and nothing after the removal', { timeout: 20_000 }, async () => {
    const [owner, victim] = await Promise.all([signUp('owner'), signUp('victim')])
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, victim)
    const watcher = await openSocket(chatId, owner.accessToken)
    const sv = await openSocket(chatId, victim.accessToken)
    await Promise.all([watcher.waitFor((f) => f.type === 'ready'), sv.waitFor((f) => f.type === 'ready')])
    for (let i = 0; i < 20; i++) sv.send({ type: 'send', client_id: `v${i}`, text: `v${i}` })
    const removal = await removeFromGroup(chatId, owner, victim)
    expect(removal.status).toBe(200)
    expect(await closeCode(sv)).toBe(CLOSE_CODES.notMember)
    // A message after the removal: every victim message stored before it was broadcast before it.
    watcher.send({ type: 'send', client_id: 'after', text: 'after the removal' })
    await watcher.waitFor((f) => f.type === 'message' && f.client_id === 'after')
    const stored = watcher.frames.flatMap((f) => (f.type === 'message' && f.client_id?.startsWith('v') ? [f.client_id] : []))
    const acked = sv.frames.flatMap((f) => (f.type === 'ack' && f.client_id ? [f.client_id] : []))
    // The removal falls between two batches: a stored batch was acked before the 4003, the rest refused.
    expect(acked).toEqual(stored)
    const res = await api(`/chat/${chatId}/history/`, authed(owner.accessToken))
    const history = ((await res.json()) as { messages: { client_id: string | null }[] }).messages.map((m) => m.client_id)
    expect(history.at(-1)).toBe('after')
    expect(history.filter((id) => id?.startsWith('v'))).toEqual(stored)
  })
})
