import { env, exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from '../../app'
import { errorCode, ORIGIN } from '../helpers'
import { captureLogs } from '../logs'

describe('GET /health', () => {
  afterEach(() => vi.restoreAllMocks())

  it('answers ok with the build version once the database answers', async () => {
    const res = await exports.default.fetch('http://chat.test/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, version: env.CF_VERSION_METADATA.id, database: 'ok' })
  })

  it('reports the deploy tag when the version has one', async () => {
    const tagged = { ...env.CF_VERSION_METADATA, tag: 'abc1234' }
    const res = await app.fetch(new Request(`${ORIGIN}/health`), { ...env, CF_VERSION_METADATA: tagged })
    expect(await res.json()).toMatchObject({ ok: true, version: 'abc1234' })
  })

  // A stub stands in for D1 here only because this test is about the route's mapping of a failed
  // query: local D1 answers SELECT 1 whatever state it is in, so a real outage cannot be staged.
  it('answers 503 unavailable with the reason, and logs the driver error only to the log', async () => {
    const driverError = 'D1_ERROR: Network connection lost to 10.0.0.7'
    const broken = {
      prepare() {
        throw new Error(driverError)
      },
    }
    const logs = captureLogs()
    const res = await app.fetch(new Request(`${ORIGIN}/health`), { ...env, DB: broken as unknown as D1Database })
    expect(res.status).toBe(503)
    const body = await res.clone().json()
    expect(await errorCode(res)).toBe('unavailable')
    expect(body).toMatchObject({ ok: false, version: env.CF_VERSION_METADATA.id, database: 'down' })
    expect(JSON.stringify(body)).not.toContain('10.0.0.7')
    const lines = logs.lines()
    expect(lines).toContainEqual(expect.objectContaining({ event: 'health_database_down', route: '/health', error: 'Error', reason: driverError }))
    expect(lines).toContainEqual(expect.objectContaining({ event: 'request', route: '/health', status: 503, level: 'error' }))
  })

  it('logs the driver reason, not drizzle\'s wrapper, when the query itself fails', async () => {
    const driverError = 'D1_ERROR: Network connection lost.'
    const statement = {
      bind: () => statement,
      all: () => Promise.reject(new Error(driverError)),
      raw: () => Promise.reject(new Error(driverError)),
      run: () => Promise.reject(new Error(driverError)),
    }
    const logs = captureLogs()
    const res = await app.fetch(new Request(`${ORIGIN}/health`), { ...env, DB: { prepare: () => statement } as unknown as D1Database })
    expect(res.status).toBe(503)
    const down = logs.lines().find((line) => line.event === 'health_database_down')
    expect(down).toMatchObject({ error: 'Error', reason: driverError })
    expect(JSON.stringify(down)).not.toContain('Failed query')
  })
})
