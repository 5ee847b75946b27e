import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from '../app'
import { loadConfig, type ConfigVariable } from '../config'
import { errorCode, json, ORIGIN, uniqueName } from '../test/helpers'
import { captureLogs } from '../test/logs'

const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJhIjoicnciffQ.c2lnbmF0dXJl'

/** The app with LIBSQL_* replaced (unset unless given), as a redeploy with those values would see it. */
async function fetchWith(override: Record<string, unknown>, path = '/health', init?: RequestInit): Promise<Response> {
  const request = new Request(new URL(path, ORIGIN), init)
  return app.fetch(request, { ...env, LIBSQL_URL: undefined, LIBSQL_AUTH_TOKEN: undefined, ...override })
}

const BAD: [ConfigVariable, string, Record<string, unknown>][] = [
  ['LIBSQL_URL', 'not a URL', { LIBSQL_URL: 'chat-org.turso.io' }],
  ['LIBSQL_URL', 'a file: URL', { LIBSQL_URL: 'file:/tmp/chat.db' }],
  ['LIBSQL_URL', 'plain http to another host', { LIBSQL_URL: 'http://db.example:8080', LIBSQL_AUTH_TOKEN: TOKEN }],
  ['LIBSQL_URL', 'a WebSocket URL', { LIBSQL_URL: 'wss://chat-org.turso.io', LIBSQL_AUTH_TOKEN: TOKEN }],
  ['LIBSQL_URL', 'another database', { LIBSQL_URL: 'postgres://db.example/chat', LIBSQL_AUTH_TOKEN: TOKEN }],
  ['LIBSQL_URL', 'credentials in the URL', { LIBSQL_URL: 'libsql://me:pw@chat-org.turso.io' }],
  ['LIBSQL_URL', 'the token in the query', { LIBSQL_URL: `libsql://chat-org.turso.io?authToken=${TOKEN}` }],
  ['LIBSQL_URL', 'tls=0 in the query', { LIBSQL_URL: 'libsql://chat-org.turso.io:8080?tls=0', LIBSQL_AUTH_TOKEN: TOKEN }],
  ['LIBSQL_URL', 'a fragment', { LIBSQL_URL: 'libsql://chat-org.turso.io#main', LIBSQL_AUTH_TOKEN: TOKEN }],
  ['LIBSQL_URL', 'a number', { LIBSQL_URL: 8080 }],
  ['LIBSQL_AUTH_TOKEN', 'missing for a remote URL', { LIBSQL_URL: 'libsql://chat-org.turso.io' }],
  ['LIBSQL_AUTH_TOKEN', 'blank for a remote URL', { LIBSQL_URL: 'https://chat-org.turso.io', LIBSQL_AUTH_TOKEN: '  ' }],
  ['LIBSQL_AUTH_TOKEN', 'set without a URL', { LIBSQL_AUTH_TOKEN: TOKEN }],
  ['LIBSQL_AUTH_TOKEN', 'a space inside', { LIBSQL_URL: 'libsql://chat-org.turso.io', LIBSQL_AUTH_TOKEN: `${TOKEN} x` }],
  ['LIBSQL_AUTH_TOKEN', 'a line break inside', { LIBSQL_URL: 'libsql://chat-org.turso.io', LIBSQL_AUTH_TOKEN: `${TOKEN}\nX-Other: 1` }],
]

const GOOD: [string, Record<string, unknown>, unknown][] = [
  ['unset: D1', {}, null],
  ['empty: D1', { LIBSQL_URL: ' ' }, null],
  ['a libsql:// URL and a token', { LIBSQL_URL: 'libsql://chat-org.turso.io', LIBSQL_AUTH_TOKEN: ` ${TOKEN} ` }, { url: 'libsql://chat-org.turso.io', authToken: TOKEN }],
  ['an https:// URL and a token', { LIBSQL_URL: 'https://chat-org.turso.io', LIBSQL_AUTH_TOKEN: TOKEN }, { url: 'https://chat-org.turso.io/', authToken: TOKEN }],
  ['a local sqld without a token', { LIBSQL_URL: 'http://127.0.0.1:8080' }, { url: 'http://127.0.0.1:8080/', authToken: undefined }],
  ['a local sqld with a token', { LIBSQL_URL: 'http://localhost:8080', LIBSQL_AUTH_TOKEN: TOKEN }, { url: 'http://localhost:8080/', authToken: TOKEN }],
]

describe('LIBSQL_URL and LIBSQL_AUTH_TOKEN', () => {
  afterEach(() => vi.restoreAllMocks())

  it.each(BAD)('answers 500 server_misconfigured and logs %s once for %s', async (variable, _, override) => {
    const logs = captureLogs()
    const res = await fetchWith(override)
    expect(res.status).toBe(500)
    expect(await errorCode(res)).toBe('server_misconfigured')
    const configLines = logs.lines().filter((line) => line.event === 'config_invalid')
    expect(configLines).toEqual([expect.objectContaining({ level: 'error', variable, reason: expect.any(String) })])
    expect(logs.raw.join('\n')).not.toContain(TOKEN)
  })

  it.each(GOOD)('reads %s', async (_, override, libsql) => {
    const config = await loadConfig({ ...env, LIBSQL_URL: undefined, LIBSQL_AUTH_TOKEN: undefined, ...override })
    expect(config.libsql).toEqual(libsql)
  })

  it('sends the data layer to libSQL instead of D1 when LIBSQL_URL is set', async () => {
    captureLogs()
    const username = uniqueName('libsql')
    const email = `${username.toLowerCase()}@example.test`
    // Nothing listens on the discard port: the sign-up fails at the database, and D1 never sees it.
    const res = await fetchWith({ LIBSQL_URL: 'http://127.0.0.1:9' }, '/reg_user/', json({ Username: username, Email: email, Password: 'a long password' }))
    expect(res.status).toBe(500)
    expect(await errorCode(res)).toBe('internal')
    expect(await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first()).toBeNull()
    expect((await fetchWith({}, '/reg_user/', json({ Username: username, Email: email, Password: 'a long password' }))).status).toBe(201)
  })
})
