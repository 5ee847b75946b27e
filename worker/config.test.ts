import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from './app'
import { loadConfig, type ConfigVariable } from './config'
import { errorCode, json, ORIGIN, uniqueName } from './test/helpers'
import { captureLogs } from './test/logs'

const randomBase64 = (bytes: number) => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))))
const strongKey = randomBase64(32)

/** The app's fetch with some vars or secrets replaced, as a redeploy with other values would see them. */
async function fetchWith(override: Record<string, unknown>, path = '/health', init?: RequestInit): Promise<Response> {
  return app.fetch(new Request(new URL(path, ORIGIN), init), { ...env, ...override })
}

const SECRETS: ConfigVariable[] = ['JWT_SECRET', 'MESSAGE_KEYS', 'ADMIN_TOKEN']

const BAD_VALUES: [ConfigVariable, string, unknown][] = [
  ['JWT_SECRET', 'empty', ''],
  ['JWT_SECRET', 'unset', undefined],
  ['JWT_SECRET', 'blank', '   '],
  ['JWT_SECRET', 'under 32 bytes', btoa('a short secret')],
  ['JWT_SECRET', 'not base64', `${strongKey}!!`],
  ['JWT_SECRET', 'a number', 12345678901234567890],
  ['MESSAGE_KEYS', 'empty', ''],
  ['MESSAGE_KEYS', 'a 16-byte key', `v1:${randomBase64(16)}`],
  ['MESSAGE_KEYS', 'no version', strongKey],
  ['MESSAGE_KEYS', 'a bad label', `key:${strongKey}`],
  ['MESSAGE_KEYS', 'version 0', `v0:${strongKey}`],
  ['MESSAGE_KEYS', 'a repeated version', `v1:${strongKey},v1:${randomBase64(32)}`],
  ['MESSAGE_KEYS', 'a bad second entry', `v2:${strongKey},v1:`],
  ['ADMIN_TOKEN', 'under 32 bytes', btoa('a guessable admin token')],
  ['ADMIN_TOKEN', 'not base64', `${strongKey}!!`],
  ['ADMIN_TOKEN', 'a number', 12345678901234567890],
  ['ALLOWED_ORIGINS', 'a bare host', 'chat.example'],
  ['ALLOWED_ORIGINS', 'a trailing slash', 'https://chat.example/'],
  ['ALLOWED_ORIGINS', 'a path', 'https://chat.example/app'],
  ['ALLOWED_ORIGINS', 'a wildcard', '*'],
  ['ALLOWED_ORIGINS', 'the opaque origin', 'null'],
  ['ALLOWED_ORIGINS', 'another scheme', 'ftp://chat.example'],
  ['ALLOWED_ORIGINS', 'upper case', 'https://Chat.Example'],
  ['ALLOWED_ORIGINS', 'a default port spelled out', 'https://chat.example:443'],
  ['ALLOWED_ORIGINS', 'one bad entry of two', 'https://ok.example, chat.example'],
  ['ALLOWED_ORIGINS', 'a JSON array var', ['https://chat.example']],
  ['ROOM_SHARD_MEMBERS', 'zero', '0'],
  ['ROOM_SHARD_MEMBERS', 'negative', '-5'],
  ['ROOM_SHARD_MEMBERS', 'a fraction', '2.5'],
  ['ROOM_SHARD_MEMBERS', 'a word', 'many'],
  ['ROOM_SHARD_MEMBERS', 'over an object\'s sockets', '32769'],
  ['ROOM_SHARD_MEMBERS', 'a number', 2000],
  ['PASSWORD_HASH_PARAMS', 'a word', 'fast'],
  ['PASSWORD_HASH_PARAMS', 'a missing field', 'm=64,t=1'],
  ['PASSWORD_HASH_PARAMS', 'an extra field', 'm=64,t=1,p=1,x=2'],
  ['PASSWORD_HASH_PARAMS', 'another order', 't=1,m=64,p=1'],
  ['PASSWORD_HASH_PARAMS', 'zero passes', 'm=64,t=0,p=1'],
  ['PASSWORD_HASH_PARAMS', 'zero lanes', 'm=64,t=1,p=0'],
  ['PASSWORD_HASH_PARAMS', 'memory under 8 KiB per lane', 'm=15,t=1,p=2'],
  ['PASSWORD_HASH_PARAMS', 'memory over the isolate budget', 'm=1048576,t=1,p=1'],
  ['PASSWORD_HASH_PARAMS', 'too many passes', 'm=64,t=11,p=1'],
  ['PASSWORD_HASH_PARAMS', 'a huge number', 'm=99999999999999999999,t=1,p=1'],
  ['PASSWORD_HASH_PARAMS', 'a number', 19456],
]

describe('config', () => {
  afterEach(() => vi.restoreAllMocks())

  it.each(BAD_VALUES)('answers 500 server_misconfigured and logs %s once for %s', async (variable, _, value) => {
    const logs = captureLogs()
    const res = await fetchWith({ [variable]: value })
    expect(res.status).toBe(500)
    expect(await errorCode(res)).toBe('server_misconfigured')
    const configLines = logs.lines().filter((line) => line.event === 'config_invalid')
    expect(configLines).toEqual([expect.objectContaining({ level: 'error', variable, reason: expect.any(String) })])
    if (SECRETS.includes(variable) && typeof value === 'string' && value.trim()) {
      expect(logs.raw.join('\n')).not.toContain(value)
    }
  })

  it.each(['/health', '/login/', '/chat/list/', '/ws/chat/1/?token=x', '/signin'])('refuses %s while a value is bad', async (path) => {
    captureLogs()
    const res = await fetchWith({ PASSWORD_HASH_PARAMS: 'm=64' }, path, path === '/login/' ? json({ Email: 'a@b.test', Password: 'x' }) : undefined)
    expect(res.status).toBe(500)
    expect(await errorCode(res)).toBe('server_misconfigured')
  })

  it('serves requests with valid values', async () => {
    const res = await fetchWith({ JWT_SECRET: strongKey, ALLOWED_ORIGINS: ' https://a.example , http://localhost:5173, ', PASSWORD_HASH_PARAMS: '' })
    expect(res.status).toBe(200)
  })

  it('parses once per set of raw values', async () => {
    const first = loadConfig(env)
    expect(loadConfig({ ...env })).toBe(first)
    const other = loadConfig({ ...env, ALLOWED_ORIGINS: 'https://a.example' })
    expect(other).not.toBe(first)
    expect((await other).allowedOrigins).toEqual(['https://a.example'])
    expect((await loadConfig({ ...env, PASSWORD_HASH_PARAMS: undefined })).passwordHashParams).toEqual({ m: 19456, t: 2, p: 1 })
    expect((await loadConfig({ ...env, ROOM_SHARD_MEMBERS: undefined })).roomShardMembers).toBe(2000)
    expect((await loadConfig({ ...env, ROOM_SHARD_MEMBERS: ' 500 ' })).roomShardMembers).toBe(500)
  })

  it('lets a listed origin call the cookie routes and open sockets, and no other', async () => {
    const allowed = { ALLOWED_ORIGINS: 'https://a.example' }
    const logout = (origin: string) => fetchWith(allowed, '/logout/', { method: 'POST', headers: { Origin: origin } })
    expect((await logout('https://a.example')).status).toBe(200)
    expect(await errorCode(await logout('https://b.example'))).toBe('cross_origin')
    const upgrade = (origin: string) => fetchWith(allowed, '/ws/chat/1/', { headers: { Upgrade: 'websocket', Origin: origin } })
    // Past the Origin check, the missing token is the next refusal.
    expect(await errorCode(await upgrade('https://a.example'))).toBe('missing_token')
    expect(await errorCode(await upgrade('https://b.example'))).toBe('cross_origin')
  })

  it('hashes new passwords with PASSWORD_HASH_PARAMS', async () => {
    const username = uniqueName('cost')
    const email = `${username.toLowerCase()}@example.test`
    const res = await fetchWith({ PASSWORD_HASH_PARAMS: 'm=72,t=1,p=1' }, '/reg_user/', json({ Username: username, Email: email, Password: 'a long password' }))
    expect(res.status).toBe(201)
    const stored = await env.DB.prepare('SELECT password_hash FROM users WHERE email = ?').bind(email).first<string>('password_hash')
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=72,t=1,p=1\$/)
  })
})
