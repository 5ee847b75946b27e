import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../app'
import { authed, createGroup, errorCode, json, ORIGIN, sendMessage, signUp } from '../test/helpers'
import { meterObject, readUsage, type Usage } from './meter'

function meterRequest(benchMeter: string | undefined): Promise<Response> {
  return Promise.resolve(app.fetch(new Request(`${ORIGIN}/bench/meter/`), { ...env, BENCH_METER: benchMeter }))
}

describe('GET /bench/meter/', () => {
  it.each([[undefined], [''], ['0'], ['true'], ['1 ']])('is an unknown route when BENCH_METER is %j', async (value) => {
    const res = await meterRequest(value)
    expect(res.status).toBe(404)
    expect(await errorCode(res)).toBe('not_found')
  })

  it('counts the D1 rows of requests made while BENCH_METER is "1"', async () => {
    const before = (await (await meterRequest('1')).json()) as Usage
    const user = await signUp('meter')
    // A metered request: the sign-up above ran without the var, this one with it.
    const ctx = createExecutionContext()
    const create = new Request(`${ORIGIN}/chat/create/`, { ...authed(user.accessToken, json({ is_group: true, name: 'metered' })), method: 'POST' })
    const res = await app.fetch(create, { ...env, BENCH_METER: '1' }, ctx)
    await waitOnExecutionContext(ctx)
    expect(res.status).toBe(201)
    const after = (await (await meterRequest('1')).json()) as Usage
    expect(after.d1.queries).toBeGreaterThan(before.d1.queries)
    expect(after.d1.rowsWritten).toBeGreaterThan(before.d1.rowsWritten)
  })
})

describe('meterObject', () => {
  it('counts a room RPC, its SQLite rows and its active time', async () => {
    const owner = await signUp('meter-owner')
    const chatId = await createGroup(owner)
    await sendMessage(chatId, owner, 'opens the room')
    const stub = env.CHAT_ROOM.getByName(String(chatId))
    await runInDurableObject(stub, (instance, state) => meterObject(instance, state, 'ChatRoom', ['room']))
    const before = readUsage()
    await sendMessage(chatId, owner, 'counted', 'meter-1')
    const after = readUsage()
    expect(after.objects.ChatRoom!.rpcs - before.objects.ChatRoom!.rpcs).toBe(1)
    // The message row and its (sender_id, client_id) index entry, and the sender's read cursor.
    expect(after.sql.rowsWritten - before.sql.rowsWritten).toBeGreaterThanOrEqual(2)
    expect(after.objects.ChatRoom!.activeMs).toBeGreaterThanOrEqual(before.objects.ChatRoom!.activeMs)
    expect(after.objects.ChatRoom!.storedBytes).toBeGreaterThan(0)
    // A lone send finds no commit in flight: a batch of one.
    expect(after.batches.commits - before.batches.commits).toBe(1)
    expect(after.batches.messages - before.batches.messages).toBe(1)
    expect(after.batches.histogram.map((n, i) => n - before.batches.histogram[i]!)).toEqual([1, 0, 0, 0, 0, 0, 0])
  })
})
