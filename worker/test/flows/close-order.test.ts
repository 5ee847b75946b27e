import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { CLOSE_CODES, FRAME_BURST, MAX_FRAME_BYTES, SUBPROTOCOL, type AckFrame, type MessageFrame } from '../../../protocol/socket'
import { encodeMember, MEMBER_HEADER } from '../../rooms/member'
import { renewMember, socketEntry } from '../../rooms/object/sockets'
import { addToGroup, closeCode, createGroup, historyMessages, lastSeqOf, openSocket, recordSocket, sendMessage, signUp, type TestSocket, type TestUser } from '../helpers'

// Issue #9 item 6: a close the server starts never overtakes the answer to a frame it took before,
// nothing taken after it is stored, and a removal is ordered with admissions inside the room.

function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

/** The client ids of the members' messages stored, oldest first (the group's system messages left out). */
async function storedClientIds(chatId: number, user: TestUser): Promise<(string | null)[]> {
  return (await historyMessages(chatId, user)).map((m) => m.client_id)
}

const send = (clientId: string, text = `text of ${clientId}`) => JSON.stringify({ type: 'send', client_id: clientId, text })
const ping = JSON.stringify({ type: 'ping' })

/** A frame delivered to the room, or a change made to the socket's state between two frames. */
type Step = string | ((ctx: DurableObjectState, ws: WebSocket) => void)

/**
 * Hands `steps` to the room's `webSocketMessage` for the user's one socket, back to back with no
 * wait in between, exactly as the runtime delivers frames that arrived together; then waits for
 * every handler. Deterministic: the closing frame is handled while the earlier sends are still
 * waiting for their batch.
 */
async function deliver(chatId: number, userId: number, steps: Step[]): Promise<void> {
  await runInDurableObject(roomOf(chatId), async (instance, state) => {
    const [ws] = state.getWebSockets(String(userId))
    if (!ws) throw new Error('no socket')
    const handled: Promise<void>[] = []
    for (const step of steps) {
      if (typeof step === 'string') handled.push(instance.webSocketMessage(ws, step))
      // After the same one wait as webSocketMessage, so it lands between the frames around it.
      else handled.push(instance['room']().then(() => step(state, ws)))
    }
    await Promise.all(handled)
  })
}

/** The token of this socket runs out now; the next frame notices. */
const expire: Step = (ctx, ws) => {
  const socket = socketEntry(ctx, ws, Date.now())!
  renewMember(ws, socket, { ...socket.member, tokenExpiresAtMs: Date.now() - 1 })
}

const CLOSES: { name: string; code: number; trigger: Step[] }[] = [
  { name: '1009, a frame over MAX_FRAME_BYTES', code: CLOSE_CODES.tooBig, trigger: [JSON.stringify({ type: 'send', client_id: 'big', text: 'é'.repeat(MAX_FRAME_BYTES) })] },
  { name: '4029, a flood', code: CLOSE_CODES.rateLimited, trigger: Array.from({ length: FRAME_BURST * 3 }, () => ping) },
  { name: '4001, an expired token noticed on a frame', code: CLOSE_CODES.tokenExpired, trigger: [expire, ping] },
]

/** Work taken before the close: the frames, the client_ids that must be acked, and those stored afterwards. */
const WORK: { name: string; frames: string[]; acked: [string, boolean][]; stored: string[] }[] = [
  { name: 'one send', frames: [send('c1')], acked: [['c1', false]], stored: ['c1'] },
  {
    name: 'several sends in one batch',
    frames: [send('b1'), send('b2'), send('b3')],
    acked: [
      ['b1', false],
      ['b2', false],
      ['b3', false],
    ],
    stored: ['b1', 'b2', 'b3'],
  },
  {
    name: 'a resend of a stored message and a resend inside the batch',
    frames: [send('old'), send('n1'), send('n1')],
    acked: [
      ['old', true],
      ['n1', false],
      ['n1', true],
    ],
    stored: ['n1'],
  },
]

describe('server-initiated close after accepted work', () => {
  for (const close of CLOSES) {
    for (const work of WORK) {
      it(`acks ${work.name} before closing with ${close.name}, and stores nothing after`, async () => {
        const user = await signUp('closer')
        const chatId = await createGroup(user)
        const s = await openSocket(chatId, user.accessToken)
        s.send({ type: 'send', client_id: 'old', text: 'stored earlier' })
        await s.waitFor((f) => f.type === 'ack' && f.client_id === 'old')
        s.frames.length = 0

        await deliver(chatId, user.id, [...work.frames, ...close.trigger, send('late')])
        expect(await closeCode(s)).toBe(close.code)

        // Every frame recorded arrived before the close frame.
        const acks = s.frames.filter((f): f is AckFrame => f.type === 'ack').map((f) => [f.client_id, f.duplicate])
        expect(acks).toEqual(work.acked)
        expect(s.frames.some((f) => f.type === 'error' && f.client_id === 'late')).toBe(false)
        expect(await storedClientIds(chatId, user)).toEqual(['old', ...work.stored])
      })
    }
  }
})

describe('server-initiated close after frames from a real client', () => {
  // The repro: sent back to back over the socket, the close overtook the ack of a stored
  // message in 6 of 10 tries. The runtime can hand the room the closing frame first (seen here about
  // once in 30 tries); then the send comes after the close and is neither stored nor acked. Either
  // way a send is acked before the close exactly when it is stored.
  const REPROS: { name: string; code: number; after: (s: TestSocket) => void }[] = [
    { name: '1009', code: CLOSE_CODES.tooBig, after: (s) => s.send({ type: 'send', text: 'x'.repeat(MAX_FRAME_BYTES) }) },
    // FRAME_BURST tokens, then FRAME_BURST refusals, then the close: a few more than twice the burst.
    { name: '4029', code: CLOSE_CODES.rateLimited, after: (s) => Array.from({ length: FRAME_BURST * 2 + 5 }, () => s.send(ping)) },
  ]
  for (const repro of REPROS) {
    it(`acks a send before a ${repro.name} close exactly when it is stored, ten times out of ten`, { timeout: 20_000 }, async () => {
      const user = await signUp('repro')
      const chatId = await createGroup(user)
      // The flood bucket refills with the clock (FRAMES_PER_SECOND): on a loaded machine the frames
      // arrived so slowly that refills kept the socket under the close, and it stayed open. The room
      // runs in this isolate, so standing its clock still makes the close come at the same frame every
      // time; the order in which the runtime hands the room the frames is still the runtime's.
      vi.useFakeTimers({ toFake: ['Date'] })
      try {
        for (let i = 0; i < 10; i++) {
          const s = await openSocket(chatId, user.accessToken)
          s.send({ type: 'send', client_id: `c${i}`, text: `try ${i}` })
          repro.after(s)
          expect(await closeCode(s)).toBe(repro.code)
          const acked = s.frames.some((f) => f.type === 'ack' && f.client_id === `c${i}`)
          expect([i, acked]).toEqual([i, (await storedClientIds(chatId, user)).includes(`c${i}`)])
        }
      } finally {
        vi.useRealTimers()
      }
    })
  }
})

describe('removal and admission ordered in the room', () => {
  const MESSAGES = 250 // more than one replay page (200), so the replay awaits between pages

  /** `lastSeq`: the log's end once the messages are in (after the setup's system messages). */
  async function roomWithHistory(): Promise<{ chatId: number; owner: TestUser; other: TestUser; victim: TestUser; lastSeq: number }> {
    const [owner, other, victim] = await Promise.all([signUp('owner'), signUp('other'), signUp('victim')])
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, other)
    await addToGroup(chatId, owner, victim)
    // Through the room's send RPC, the REST send's last step: concurrent sends share a few group commits.
    const sender = { userId: owner.id, username: owner.username }
    await Promise.all(Array.from({ length: MESSAGES }, (_, i) => roomOf(chatId).send(sender, `m${i}`, null)))
    return { chatId, owner, other, victim, lastSeq: await lastSeqOf(chatId) }
  }

  /** What the worker forwards once its D1 check passed: the verified member and `since`, straight to the room. */
  function connect(chatId: number, user: TestUser, since: number): Promise<Response> {
    const member = encodeMember({ userId: user.id, username: user.username, tokenExpiresAtMs: Date.now() + 600_000 })
    const url = `https://room.internal/connect?since=${since}&subprotocol=${SUBPROTOCOL}`
    return roomOf(chatId).fetch(new Request(url, { headers: { Upgrade: 'websocket', [MEMBER_HEADER]: member } }))
  }

  const ORDERS = [
    { name: 'the reconnect reaches the room before the removal', removalFirst: false },
    { name: 'the removal reaches the room before the reconnect', removalFirst: true },
  ]
  for (const order of ORDERS) {
    it(`leaves a removed user no open socket and no later message when ${order.name}, both queued behind a long replay`, { timeout: 20_000 }, async () => {
      const { chatId, owner, other, victim, lastSeq } = await roomWithHistory()
      // Another member's long replay holds the room's exclusive section while the two arrive.
      const replay = connect(chatId, other, 0)
      const reconnect = order.removalFirst ? null : connect(chatId, victim, 0)
      const removal = roomOf(chatId).removeMember(victim.id)
      const late = reconnect ?? connect(chatId, victim, 0)
      const [replayed, removed, admitted] = await Promise.all([replay, removal, late])
      expect(replayed.status).toBe(101)
      expect(removed).toBeGreaterThanOrEqual(0)

      if (admitted.status === 101) {
        const s = await recordSocket(admitted)
        expect(await closeCode(s)).toBe(CLOSE_CODES.notMember)
        const seqs = s.frames.filter((f): f is MessageFrame => f.type === 'message').map((f) => f.seq)
        expect(seqs.every((seq) => seq <= lastSeq)).toBe(true)
      } else {
        expect(admitted.status).toBe(403)
        expect(await admitted.json()).toMatchObject({ error: { code: 'not_member' } })
      }
      await sendMessage(chatId, owner, 'after the removal')
      const open = await runInDurableObject(roomOf(chatId), (_instance, state) =>
        state.getWebSockets(String(victim.id)).filter((ws) => ws.readyState === WebSocket.OPEN).length,
      )
      expect(open).toBe(0)
    })
  }

  it('refuses a removed user\'s send that was taken but not yet stored, and admits them again after a new membership', { timeout: 20_000 }, async () => {
    const { chatId, owner, other, victim } = await roomWithHistory()
    const so = await openSocket(chatId, other.accessToken)
    const sv = await openSocket(chatId, victim.accessToken)
    await Promise.all([so.waitFor((f) => f.type === 'ready'), sv.waitFor((f) => f.type === 'ready')])
    await runInDurableObject(roomOf(chatId), async (instance, state) => {
      const [otherWs] = state.getWebSockets(String(other.id))
      const [victimWs] = state.getWebSockets(String(victim.id))
      // The replay holds the section, the removal queues behind it, the send's batch behind both.
      const replay = instance.webSocketMessage(otherWs!, JSON.stringify({ type: 'resume', since: 0 }))
      const removal = instance.removeMember(victim.id)
      const sent = instance.webSocketMessage(victimWs!, send('v-late'))
      await Promise.all([replay, removal, sent])
    })
    expect(await closeCode(sv)).toBe(CLOSE_CODES.notMember)
    expect(sv.frames.some((f) => f.type === 'ack')).toBe(false)
    expect(await storedClientIds(chatId, owner)).not.toContain('v-late')

    // The rest of what POST /chat/<id>/remove/ does after the room: the D1 row goes.
    await env.DB.prepare('DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?').bind(chatId, victim.id).run()
    await addToGroup(chatId, owner, victim)
    const back = await openSocket(chatId, victim.accessToken)
    back.send({ type: 'send', client_id: 'v-back', text: 'back again' })
    await back.waitFor((f) => f.type === 'ack' && f.client_id === 'v-back')
  })
})
