import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ChatFrame, ChatRemovedFrame, ChannelServerFrame, PresenceFrame } from '../../../protocol/channel'
import { CHANNEL_IDLE_LIMIT_MS } from '../../../protocol/channel'
import type { MembersResponse } from '../../../protocol/http'
import { sweep } from '../../live/object/channel'
import { settled } from '../../live/object/presence'
import { openChannel, upgradeChannel, type TestChannel } from '../channel'
import { NOTIFY_WINDOW_MS } from '../../rooms/object/notify'
import { addToGroup, api, authed, createGroup, errorCode, json, openSocket, sendMessage, signUp, type TestUser } from '../helpers'

const isChat = (chatId: number, extra: (f: ChatFrame) => boolean = () => true) => (f: ChannelServerFrame) =>
  f.type === 'chat' && f.chat.chat_id === chatId && extra(f)
const isPresence = (userId: number, online: boolean) => (f: ChannelServerFrame) => f.type === 'presence' && f.user_id === userId && f.online === online

function hub(user: TestUser) {
  return env.USER_HUB.getByName(String(user.id))
}

/** Waits until the user's hub has announced their presence (a flip settles after PRESENCE_SETTLE_MS). */
async function presenceSettled(user: TestUser): Promise<void> {
  await runInDurableObject(hub(user), (_instance, state) => settled(state))
}

describe('GET /ws/me/', () => {
  it.each([
    ['no token', () => upgradeChannel(''), 'missing_token'],
    ['a bad token', () => upgradeChannel('not-a-token'), 'invalid_token'],
    ['another origin', (t: string) => upgradeChannel(t, { Origin: 'https://evil.test' }), 'cross_origin'],
    ['no subprotocol', (t: string) => upgradeChannel(t, { 'Sec-WebSocket-Protocol': '' }), 'invalid_request'],
    ['an unknown subprotocol', (t: string) => upgradeChannel(t, { 'Sec-WebSocket-Protocol': 'chat, edge-chat.v2' }), 'invalid_request'],
  ])('refuses an upgrade with %s', async (_name, open, code) => {
    const user = await signUp('refused')
    const res = await open(user.accessToken)
    expect(res.status).not.toBe(101)
    expect(await errorCode(res)).toBe(code)
  })

  it('refuses a request without an upgrade', async () => {
    const user = await signUp('plain')
    const res = await api(`/ws/me/?token=${user.accessToken}`)
    expect(await errorCode(res)).toBe('invalid_request')
  })

  it.each([['edge-chat.v1'], ['edge-chat.v2, edge-chat.v1']])('selects edge-chat.v1 for an offer of %s and starts with ready', async (offer) => {
    const user = await signUp('ready')
    const res = await upgradeChannel(user.accessToken, { 'Sec-WebSocket-Protocol': offer })
    expect(res.status).toBe(101)
    expect(res.headers.get('Sec-WebSocket-Protocol')).toBe('edge-chat.v1')
    const ws = res.webSocket!
    const first = new Promise<string>((resolve) => ws.addEventListener('message', (e) => resolve(e.data as string)))
    ws.accept()
    const ready = JSON.parse(await first) as { type: string; user_id: number; token_expires_at: string }
    expect(ready).toMatchObject({ type: 'ready', user_id: user.id })
    expect(Date.parse(ready.token_expires_at)).toBeGreaterThan(Date.now())
  })

  it('answers pings, refuses bad frames and keeps the channel open', async () => {
    const user = await signUp('frames')
    const channel = await openChannel(user.accessToken)
    channel.ws.send('{"type":"ping"}')
    await channel.waitFor((f) => f.type === 'pong')
    channel.ws.send('{"type":"shout"}')
    expect(await channel.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'invalid_request' })
    channel.ws.send('nope')
    await channel.waitFor((f) => f.type === 'error' && f.code === 'invalid_json')
    channel.ws.send(JSON.stringify({ type: 'auth', token: user.accessToken }))
    await channel.waitFor((f) => f.type === 'auth_ok')
  })

  it('closes with 4001 at token expiry, driven by the alarm’s sweep', async () => {
    const user = await signUp('expiring')
    const channel = await openChannel(user.accessToken)
    const expiresAtMs = Date.parse((channel.frames[0] as { token_expires_at: string }).token_expires_at)
    await runInDurableObject(hub(user), (_i, state) => sweep(state, env, expiresAtMs))
    expect(await channel.closed).toBe(4001)
  })

  it('refuses a flood with rate_limited, then closes with 4029', async () => {
    const user = await signUp('flood')
    const channel = await openChannel(user.accessToken)
    for (let i = 0; i < 200; i++) channel.ws.send('{ "type": "ping" }')
    await channel.waitFor((f) => f.type === 'error' && f.code === 'rate_limited')
    expect(await channel.closed).toBe(4029)
  })

  it('closes with 4002 when an auth frame carries another user’s token', async () => {
    const [user, other] = await Promise.all([signUp('owner'), signUp('other')])
    const channel = await openChannel(user.accessToken)
    channel.ws.send(JSON.stringify({ type: 'auth', token: other.accessToken }))
    expect(await channel.closed).toBe(4002)
  })
})

describe('chat frames', () => {
  it('tells both users of a new 1:1 chat', async () => {
    const [a, b] = await Promise.all([signUp('a'), signUp('b')])
    const [ca, cb] = await Promise.all([openChannel(a.accessToken), openChannel(b.accessToken)])
    await Promise.all([presenceSettled(a), presenceSettled(b)])
    const res = await api('/chat/private/', authed(a.accessToken, json({ user_id: b.id })))
    const { chat_id } = (await res.json()) as { chat_id: number }
    const forA = await ca.waitFor<ChatFrame>(isChat(chat_id))
    const forB = await cb.waitFor<ChatFrame>(isChat(chat_id))
    expect(forA.chat).toMatchObject({ is_group: false, name: b.username, peer: { userid: b.id, online: true, last_seen_at: null }, unread_count: 0 })
    expect(forB.chat).toMatchObject({ is_group: false, name: a.username, peer: { userid: a.id, online: true } })
  })

  it('tells a member added right after their channel opened, before their presence settled', async () => {
    const [owner, added] = await Promise.all([signUp('owner'), signUp('added')])
    const chatId = await createGroup(owner)
    const channel = await openChannel(added.accessToken)
    // No presenceSettled: D1 does not say "online" yet, and the frame must still arrive.
    await addToGroup(chatId, owner, added)
    expect((await channel.waitFor<ChatFrame>(isChat(chatId))).chat).toMatchObject({ role: 'member', unread_count: 0 })
  })

  it('tells the creator, a joiner and an added member of their group, and a role change', async () => {
    const [owner, joiner, added] = await Promise.all([signUp('owner'), signUp('joiner'), signUp('added')])
    const channels = await Promise.all([owner, joiner, added].map((u) => openChannel(u.accessToken)))
    await Promise.all([owner, joiner, added].map(presenceSettled))
    const [co, cj, ca] = channels as [TestChannel, TestChannel, TestChannel]
    const chatId = await createGroup(owner)
    expect((await co.waitFor<ChatFrame>(isChat(chatId))).chat).toMatchObject({ is_group: true, role: 'owner' })
    await api(`/chat/${chatId}/add/`, authed(joiner.accessToken, json({})))
    expect((await cj.waitFor<ChatFrame>(isChat(chatId))).chat).toMatchObject({ role: 'member', unread_count: 0 })
    await addToGroup(chatId, owner, added)
    await ca.waitFor(isChat(chatId))
    await api(`/chat/${chatId}/role/`, authed(owner.accessToken, json({ user_id: added.id, role: 'admin' })))
    await ca.waitFor(isChat(chatId, (f) => f.chat.role === 'admin'))
  })

  it('sends chat_removed on leave and on removal', async () => {
    const [owner, leaver, removed] = await Promise.all([signUp('owner'), signUp('leaver'), signUp('removed')])
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, leaver)
    await addToGroup(chatId, owner, removed)
    const [cl, cr] = await Promise.all([openChannel(leaver.accessToken), openChannel(removed.accessToken)])
    await api(`/chat/${chatId}/remove/`, authed(leaver.accessToken, json({})))
    expect(await cl.waitFor<ChatRemovedFrame>((f) => f.type === 'chat_removed')).toEqual({ type: 'chat_removed', chat_id: chatId })
    await api(`/chat/${chatId}/remove/`, authed(owner.accessToken, json({ user_id: removed.id })))
    expect(await cr.waitFor<ChatRemovedFrame>((f) => f.type === 'chat_removed')).toEqual({ type: 'chat_removed', chat_id: chatId })
  })

  it('previews a message in another chat with the unread count, and clears it when another device reads', async () => {
    const [owner, member] = await Promise.all([signUp('owner'), signUp('member')])
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, member)
    const [phone, laptop] = await Promise.all([openChannel(member.accessToken), openChannel(member.accessToken)])
    await presenceSettled(member)
    const seq = await sendMessage(chatId, owner, 'hello there')
    const row = await phone.waitFor<ChatFrame>(isChat(chatId, (f) => f.chat.last_message?.seq === seq))
    expect(row.chat).toMatchObject({ unread_count: 1, last_message: { sender_id: owner.id, message: 'hello there' } })
    await laptop.waitFor(isChat(chatId, (f) => f.chat.unread_count === 1))
    // The member reads on a third device, in the room: both channels learn the badge is gone.
    const room = await openSocket(chatId, member.accessToken)
    await room.waitFor((f) => f.type === 'ready')
    room.send({ type: 'read', seq })
    await phone.waitFor(isChat(chatId, (f) => f.chat.unread_count === 0))
    await laptop.waitFor(isChat(chatId, (f) => f.chat.unread_count === 0))
  })

  it('previews a message sent right after the channel opened, with no settle in between', async () => {
    const [owner, member] = await Promise.all([signUp('owner'), signUp('member')])
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, member)
    const channel = await openChannel(member.accessToken)
    const seq = await sendMessage(chatId, owner, 'right away')
    await channel.waitFor(isChat(chatId, (f) => f.chat.last_message?.seq === seq))
  })

  it('coalesces a burst of messages into few chat frames per member', async () => {
    const [owner, member] = await Promise.all([signUp('owner'), signUp('member')])
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, member)
    const channel = await openChannel(member.accessToken)
    await presenceSettled(member)
    const room = await openSocket(chatId, owner.accessToken)
    await room.waitFor((f) => f.type === 'ready')
    // Each send waits for its ack, so each is its own batch: without coalescing, one frame per message.
    const burst = 12
    const startMs = Date.now()
    for (let i = 0; i < burst; i++) {
      room.send({ type: 'send', client_id: `c${i}`, text: `m${i}` })
      await room.waitFor((f) => f.type === 'ack' && f.client_id === `c${i}`)
    }
    const windows = Math.ceil((Date.now() - startMs) / NOTIFY_WINDOW_MS) + 1
    await channel.waitFor(isChat(chatId, (f) => f.chat.unread_count === burst))
    const rows = channel.frames.filter((f) => f.type === 'chat' && f.chat.chat_id === chatId && f.chat.last_message !== null)
    expect(rows.length).toBeLessThan(burst)
    expect(rows.length).toBeLessThanOrEqual(windows)
  })
})

// Each flip settles for PRESENCE_SETTLE_MS (1 s) before it is announced; these tests wait on several.
describe('presence', { timeout: 20_000 }, () => {
  it('goes online with the first tab and offline with the last, once each', async () => {
    const [a, b] = await Promise.all([signUp('a'), signUp('b')])
    const chatId = await createGroup(a)
    await addToGroup(chatId, a, b)
    const watcher = await openChannel(b.accessToken)
    await presenceSettled(b)
    const tab1 = await openChannel(a.accessToken)
    await watcher.waitFor(isPresence(a.id, true))
    expect(await membersOf(chatId, b)).toMatchObject({ [a.id]: { online: true, last_seen_at: null } })
    const tab2 = await openChannel(a.accessToken)
    await presenceSettled(a)
    tab1.ws.close(1000)
    await tab1.closed
    await presenceSettled(a)
    tab2.ws.close(1000)
    const offline = await watcher.waitFor<PresenceFrame>(isPresence(a.id, false))
    expect(Date.parse(offline.last_seen_at!)).toBeLessThanOrEqual(Date.now())
    expect(watcher.frames.filter((f) => f.type === 'presence' && f.user_id === a.id).map((f) => (f as PresenceFrame).online)).toEqual([true, false])
    expect(await membersOf(chatId, b)).toMatchObject({ [a.id]: { online: false, last_seen_at: offline.last_seen_at } })
  })

  it('starts a channel with the contacts online now', async () => {
    const [a, b] = await Promise.all([signUp('a'), signUp('b')])
    await api('/chat/private/', authed(a.accessToken, json({ user_id: b.id })))
    await openChannel(b.accessToken)
    await presenceSettled(b)
    const channel = await openChannel(a.accessToken)
    await channel.waitFor(isPresence(b.id, true))
  })

  it('shows a contact who came online a moment before, and tells them of the newcomer', async () => {
    const [a, b] = await Promise.all([signUp('a'), signUp('b')])
    await api('/chat/private/', authed(a.accessToken, json({ user_id: b.id })))
    const forB = await openChannel(b.accessToken)
    // No settle: a opens right after b.
    const forA = await openChannel(a.accessToken)
    await forA.waitFor(isPresence(b.id, true))
    await forB.waitFor(isPresence(a.id, true))
  })

  it('turns a tab that went silent offline within the limit, driven by the alarm', async () => {
    const [a, b] = await Promise.all([signUp('a'), signUp('b')])
    await api('/chat/private/', authed(a.accessToken, json({ user_id: b.id })))
    const watcher = await openChannel(b.accessToken)
    const silent = await openChannel(a.accessToken)
    await watcher.waitFor(isPresence(a.id, true))
    // The real alarm runs while a channel is open and keeps a fresh one open.
    expect(await runDurableObjectAlarm(hub(a))).toBe(true)
    await silent.sync()
    // The same sweep with the clock past the idle limit: the tab never pinged, so it is closed.
    await runInDurableObject(hub(a), (_i, state) => sweep(state, env, Date.now() + CHANNEL_IDLE_LIMIT_MS + 1))
    expect(await silent.closed).toBe(1001)
    await watcher.waitFor(isPresence(a.id, false))
  })

  it('never tells someone who shares no chat, nor a removed member', async () => {
    const [a, b, stranger] = await Promise.all([signUp('a'), signUp('b'), signUp('stranger')])
    const chatId = await createGroup(a)
    await addToGroup(chatId, a, b)
    const [cb, cs] = await Promise.all([openChannel(b.accessToken), openChannel(stranger.accessToken)])
    await Promise.all([presenceSettled(b), presenceSettled(stranger)])
    const tab = await openChannel(a.accessToken)
    await cb.waitFor(isPresence(a.id, true))
    await presenceSettled(a)
    await cs.sync()
    await api(`/chat/${chatId}/remove/`, authed(a.accessToken, json({ user_id: b.id })))
    await cb.waitFor((f) => f.type === 'chat_removed')
    tab.ws.close(1000)
    await tab.closed
    await presenceSettled(a)
    await Promise.all([cb.sync(), cs.sync()])
    expect(cs.frames.some((f) => f.type === 'presence')).toBe(false)
    expect(cb.frames.some((f) => f.type === 'presence' && !f.online)).toBe(false)
  })
})

async function membersOf(chatId: number, viewer: TestUser): Promise<Record<number, { online: boolean; last_seen_at: string | null }>> {
  const res = await api(`/chat/${chatId}/members/`, authed(viewer.accessToken))
  const { members } = (await res.json()) as MembersResponse
  return Object.fromEntries(members.map((m) => [m.userid, { online: m.online, last_seen_at: m.last_seen_at }]))
}
