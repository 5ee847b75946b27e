import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { RewrapResponse } from '../../../protocol/key-rotation'
import { app } from '../../app'
import { chatDataKey } from '../../crypto/chat-keys'
import { api, authed, createGroup, errorCode, json, memberMessages, ORIGIN, sendMessage, signUp } from '../helpers'
import { db, historyWith, keyringOf, keysSpec, rawMessages, wrapKeyUnder, writeLegacyMessages } from '../keys'

const PATH = '/admin/keys/rewrap/'
const admin = (body: unknown = {}) => authed(env.ADMIN_TOKEN!, json(body))

async function step(body: Record<string, number>): Promise<RewrapResponse> {
  const res = await api(PATH, admin(body))
  expect(res.status).toBe(200)
  return res.json()
}

/** What `npm run keys:rewrap` does: steps until done, feeding the cursors back. */
async function runUntilDone(start: { keys_after: number; rooms_after: number }, size: { batch: number; rows: number }, maxSteps = 50) {
  const reports: RewrapResponse[] = []
  let cursors = start
  for (let i = 0; i < maxSteps; i++) {
    const report = await step({ ...cursors, ...size })
    reports.push(report)
    if (report.done) return reports
    cursors = { keys_after: report.keys.next_after, rooms_after: report.rooms.next_after }
  }
  throw new Error(`not done after ${maxSteps} steps`)
}

describe('POST /admin/keys/rewrap/', () => {
  it.each<[string, Record<string, string>, number, string]>([
    ['no Authorization header', {}, 401, 'missing_token'],
    ['a wrong token', { Authorization: 'Bearer d3Jvbmc=' }, 401, 'invalid_token'],
    ['the token with one character more', { Authorization: `Bearer ${env.ADMIN_TOKEN}x` }, 401, 'invalid_token'],
    ['another scheme', { Authorization: `Basic ${env.ADMIN_TOKEN}` }, 401, 'invalid_token'],
  ])('refuses %s', async (_, headers, status, code) => {
    const res = await api(PATH, json({}, headers))
    expect(res.status).toBe(status)
    expect(await errorCode(res)).toBe(code)
  })

  it("refuses a user's access token", async () => {
    const user = await signUp('notadmin')
    const res = await api(PATH, authed(user.accessToken, json({})))
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('invalid_token')
  })

  it('is off (403 forbidden) while ADMIN_TOKEN is not set', async () => {
    const res = await app.fetch(new Request(new URL(PATH, ORIGIN), admin()), { ...env, ADMIN_TOKEN: undefined })
    expect(res.status).toBe(403)
    expect(await errorCode(res)).toBe('forbidden')
  })

  it.each<[string, unknown]>([
    ['batch', 0],
    ['batch', 101],
    ['rows', 0],
    ['rows', 1001],
    ['keys_after', -1],
    ['rooms_after', 1.5],
    ['batch', 'many'],
  ])('answers invalid_request naming %s for %j', async (field, value) => {
    const res = await api(PATH, admin({ [field]: value }))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', field } })
  })

  it('answers 405 to GET', async () => {
    const res = await api(PATH, { headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}` } })
    expect(res.status).toBe(405)
  })

  it('rotates every chat: keys re-wrapped, old rows re-sealed, resumable after an interruption, deleted groups passed; then v1 is removable and all history reads', async () => {
    const owner = await signUp('rotate')
    // A chat from before per-chat keys (rows under v1 and v2), one whose key is under v1 with old
    // rows, and a current one; several rows each so that rows=2 takes more than one visit.
    const [old, mixed, current] = [await createGroup(owner), await createGroup(owner), await createGroup(owner)]
    await writeLegacyMessages(old, owner.id, [
      [1, 'old 1'],
      [2, 'old 2'],
      [1, 'old 3'],
    ])
    await writeLegacyMessages(mixed, owner.id, [
      [1, 'mixed 1'],
      [1, 'mixed 2'],
    ])
    await sendMessage(mixed, owner, 'mixed 3, under its data key')
    await wrapKeyUnder(mixed, 1)
    await sendMessage(current, owner, 'current 1')
    // A deleted group: its key was destroyed on purpose, so the walk passes it (neither failed nor stuck).
    const gone = await createGroup(owner)
    await sendMessage(gone, owner, 'gone 1')
    expect((await api(`/chat/${gone}/`, authed(owner.accessToken, { method: 'DELETE' }))).status).toBe(200)
    const chats = [old, mixed, current]
    const before = await Promise.all(chats.map((chatId) => historyWith(chatId, env.MESSAGE_KEYS)))
    expect(memberMessages(before.flat()).map((m) => m.message)).not.toContain(null)

    // Interrupted after one step; the operator starts again from 0 (cursors lost): nothing is redone wrongly.
    const first = await step({ batch: 1, rows: 2 })
    expect(first.done).toBe(false)
    const reports = [first, ...(await runUntilDone({ keys_after: 0, rooms_after: 0 }, { batch: 1, rows: 2 }))]
    const last = reports.at(-1)!
    expect(last).toMatchObject({ master_version: 2, done: true, keys_not_current: {} })
    const total = (pick: (r: RewrapResponse) => number) => reports.reduce((n, r) => n + pick(r), 0)
    expect(total((r) => r.keys.rewrapped)).toBeGreaterThanOrEqual(1)
    expect(total((r) => r.rooms.resealed)).toBe(5)
    expect(reports.flatMap((r) => [...r.keys.unreadable, ...r.rooms.stuck, ...r.rooms.failed])).toEqual([])

    for (const chatId of chats) expect((await rawMessages(chatId)).every((r) => r.key_version === 0)).toBe(true)
    // MESSAGE_KEYS without v1: every key unwraps and every message reads as before.
    const withoutV1 = keysSpec([2])
    for (const chatId of chats) await chatDataKey(db, await keyringOf(withoutV1), chatId)
    expect(await Promise.all(chats.map((chatId) => historyWith(chatId, withoutV1)))).toEqual(before)
  })
})
