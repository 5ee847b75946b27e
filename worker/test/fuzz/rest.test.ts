import { env } from 'cloudflare:workers'
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ERROR_STATUS, isErrorCode } from '../../../protocol/errors'
import { USER_QUERY_MAX_CHARS, type CreatedInviteBody, type SessionsResponse } from '../../../protocol/http'
import { app } from '../../app'
import worker from '../../index'
import { pdfFile, uploadOk } from '../attachments'
import { addToGroup, api, authed, createGroup, json, sendMessage, signUp } from '../helpers'
import type { FuzzValue } from './arbitraries'
import { buildRequest, partsFor, type GeneratedRequest, type Parts } from './requests'
import { fieldNames, ROUTES, validFields, type World } from './routes'
import { fuzzParameters, fuzzTimeoutMs } from './settings'

// Issue #14: every REST route, fed generated input. Whatever arrives, the answer is below 500, a
// refusal has the one error shape with the status of its code, and a refused request changes
// nothing: the D1 row counts, the R2 objects and the chat's last seq stand where they were.

/** "POST /chat/:id/send/" for every handler of the app (middleware, method ALL, excluded). */
function appRoutes(): string[] {
  return [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))].sort()
}

/**
 * Two users in a group of `user`'s. `full` adds what the other routes name: an invite link, an
 * uploaded file and a message of each member; a `fresh` route's per-run world leaves them out
 * (placeholders) unless deleting the chat or the account should meet them.
 */
async function makeWorld(full = true): Promise<World> {
  const [user, other] = await Promise.all([signUp('fuzz'), signUp('fuzz')])
  const chatId = await createGroup(user)
  await addToGroup(chatId, user, other)
  const sessions = async () => ((await (await api('/sessions/', authed(user.accessToken))).json()) as SessionsResponse).sessions
  if (!full) return { user, other, chatId, sessionId: (await sessions())[0]!.id, inviteId: 'none', inviteCode: 'none', attachmentId: 'none', messageSeqs: [1] }
  const [listed, invite, attachment, mine, theirs] = await Promise.all([
    sessions(),
    api(`/chat/${chatId}/invites/`, authed(user.accessToken, json({}))).then(async (res) => (await res.json()) as CreatedInviteBody),
    uploadOk(user, chatId, pdfFile(100), 'world.pdf'),
    sendMessage(chatId, user, 'mine'),
    sendMessage(chatId, other, 'theirs'),
  ])
  return { user, other, chatId, sessionId: listed[0]!.id, inviteId: invite.id, inviteCode: invite.code, attachmentId: attachment.attachment_id, messageSeqs: [mine, theirs] }
}

/**
 * Input generated against `template` for a `fresh` route, sent in `world`: the template's password
 * (the one secret a valid body holds) becomes the world's, so a valid input can succeed there too.
 */
function rebase(parts: Parts, template: World, world: World): Parts {
  const swap = (value: FuzzValue): FuzzValue => (value === template.user.password ? world.user.password : value)
  return { ...parts, body: Object.fromEntries(Object.entries(parts.body).map(([name, value]) => [name, swap(value)])) }
}

interface Snapshot {
  users: number
  sessions: number
  refresh_tokens: number
  chats: number
  chat_members: number
  invites: number
  attachments: number
  /** Objects in the FILES bucket (R2): a refused upload leaves none behind. */
  files: number
  last_seq: number
}

async function countFiles(): Promise<number> {
  let count = 0
  let cursor: string | undefined
  do {
    const page = await env.FILES.list({ cursor })
    count += page.objects.length
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor)
  return count
}

/** Cheap invariants: the D1 row counts, the R2 object count and the world chat's last seq. */
async function snapshot(world: World): Promise<Snapshot> {
  const counts = await env.DB.prepare(
    `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM sessions) AS sessions,
            (SELECT count(*) FROM refresh_tokens) AS refresh_tokens, (SELECT count(*) FROM chats) AS chats,
            (SELECT count(*) FROM chat_members) AS chat_members, (SELECT count(*) FROM invites) AS invites,
            (SELECT count(*) FROM attachments) AS attachments`,
  ).first<Omit<Snapshot, 'last_seq' | 'files'>>()
  return { ...counts!, files: await countFiles(), last_seq: await env.CHAT_ROOM.getByName(String(world.chatId)).lastSeq() }
}

/** The checks every answer passes; throws (failing the run) with what was sent. */
async function checkAnswer(generated: GeneratedRequest, res: Response, before: Snapshot, world: World): Promise<void> {
  const where = `${generated.describe} -> ${res.status}`
  expect(res.status, where).toBeLessThan(500)
  if (res.status === 101) {
    res.webSocket?.accept()
    res.webSocket?.close(1000)
    return
  }
  const text = await res.text()
  if (res.status < 400) return
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
  expect(isErrorCode(body.error?.code), `${where}: ${text}`).toBe(true)
  expect(ERROR_STATUS[body.error!.code as keyof typeof ERROR_STATUS], `${where}: ${text}`).toBe(res.status)
  expect(typeof body.error?.message, where).toBe('string')
  // No stack trace or runtime error text reaches the caller.
  expect(text, where).not.toMatch(/\bat .+:\d+:\d+|TypeError|SQLITE|D1_ERROR/)
  expect(await snapshot(world), `${where}: a refused request changed stored state`).toEqual(before)
}

describe('GET /users/ (a fuzz finding)', () => {
  it('answers a search of USER_QUERY_MAX_CHARS characters, past the 50 bytes D1 allows a LIKE pattern, with 200', async () => {
    const world = await makeWorld()
    const q = encodeURIComponent('é%_'.repeat(USER_QUERY_MAX_CHARS / 4) + 'abcd')
    const res = await api(`/users/?q=${q}`, authed(world.user.accessToken))
    expect(res.status).toBe(200)
  })
})

describe('REST fuzz coverage', () => {
  it('has a fuzz entry for every route of the app, and none for a route that is gone', () => {
    expect(Object.keys(ROUTES).sort()).toEqual(appRoutes())
  })

  it('names exactly the path parameters of each route', () => {
    for (const [key, route] of Object.entries(ROUTES)) {
      const names = [...key.matchAll(/:(\w+)/g)].map((m) => m[1])
      expect(Object.keys(route.params ?? {}), key).toEqual(names)
    }
  })

  it('has a valid value for every field of every body and query schema', () => {
    const someone = { id: 1, username: 'u', email: 'u@example.test', password: 'p', accessToken: 't', cookie: 'refresh_token=x' }
    const world = { user: someone, other: someone, chatId: 1, sessionId: 's', inviteId: 'i', inviteCode: 'c', attachmentId: 'a', messageSeqs: [1] }
    const known = Object.keys(validFields(world))
    for (const [key, route] of Object.entries(ROUTES)) {
      for (const schema of [route.body, route.query]) {
        for (const field of fieldNames(schema)) expect(known, `${key}: field "${field}" has no valid value`).toContain(field)
      }
    }
  })
})

// The worker's own fetch handler with the test's real bindings, not `exports.default.fetch`: in
// pool 0.15.1 each call through that loopback makes every later one slower (measured: 28 ms per
// request at first, 410 ms after 500), so thousands of inputs would not fit in a run.
async function send(generated: GeneratedRequest, world: World): Promise<void> {
  const before = await snapshot(world)
  const ctx = createExecutionContext()
  const res = await worker.fetch(generated.request(), env, ctx)
  await checkAnswer(generated, res, before, world)
  await waitOnExecutionContext(ctx)
}

describe('REST fuzz', () => {
  for (const [key, route] of Object.entries(ROUTES)) {
    // A fresh world per run costs about as much as 20 plain runs.
    const timeout = fuzzTimeoutMs(route.runs) * (route.fresh ? 4 : 1)
    it(`${key} answers every generated input below 500, in the error shape, without a partial write`, { timeout }, async () => {
      const world = await makeWorld()
      await fc.assert(
        fc.asyncProperty(partsFor(route, world), async (parts) => {
          // A `fresh` route runs in a world of its own, so deleting the account or the chat, or
          // changing the password, cannot turn every later run into a refusal.
          const target = route.fresh ? await makeWorld(route.fresh === 'full') : world
          await send(buildRequest(key, route, target, route.fresh ? rebase(parts, world, target) : parts), target)
        }),
        fuzzParameters(route.runs),
      )
    })
  }
})
