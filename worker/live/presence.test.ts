import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { users } from '../db/schema'
import { addToGroup, api, authed, createGroup, json, signUp } from '../test/helpers'
import { reconcilePresence, recordUser, settled } from './object/presence'
import { onlineContacts, writePresence } from './presence'

describe('onlineContacts', () => {
  it('lists exactly the online people who share a chat', async () => {
    const db = getDb(env.DB)
    const [me, peer, groupmate, removed, offline, stranger] = await Promise.all([
      signUp('me'),
      signUp('peer'),
      signUp('groupmate'),
      signUp('removed'),
      signUp('offline'),
      signUp('stranger'),
    ])
    await api('/chat/private/', authed(me.accessToken, json({ user_id: peer.id })))
    const group = await createGroup(me)
    for (const u of [groupmate, removed, offline]) await addToGroup(group, me, u)
    await api(`/chat/${group}/remove/`, authed(me.accessToken, json({ user_id: removed.id })))
    const nowMs = Date.now()
    for (const u of [me, peer, groupmate, removed, stranger]) await writePresence(db, u.id, true, nowMs)
    await writePresence(db, offline.id, false, nowMs)
    const cases: [string, number, boolean][] = [
      ['1:1 peer, online', peer.id, true],
      ['group member, online', groupmate.id, true],
      ['removed from the only shared chat', removed.id, false],
      ['group member, offline', offline.id, false],
      ['shares no chat', stranger.id, false],
      ['oneself', me.id, false],
    ]
    const ids = (await onlineContacts(db, me.id, 100)).map((c) => c.userId)
    for (const [name, id, listed] of cases) expect(ids.includes(id), name).toBe(listed)
    expect(new Set(ids).size).toBe(ids.length)
  })
})

describe('reconcilePresence', () => {
  it('settles a hub reset while online (no channel left) back to offline in D1', async () => {
    const user = await signUp('reset')
    const db = getDb(env.DB)
    await writePresence(db, user.id, true, Date.now())
    await runInDurableObject(env.USER_HUB.getByName(String(user.id)), async (_hub, state) => {
      recordUser(state, user.id)
      state.storage.kv.put('online', true)
      reconcilePresence(state, env)
      await settled(state)
    })
    const row = await db.select({ online: users.online, lastSeenAtMs: users.lastSeenAtMs }).from(users).where(eq(users.id, user.id)).get()
    expect(row?.online).toBe(false)
    expect(row?.lastSeenAtMs).toBeTypeOf('number')
  })
})
