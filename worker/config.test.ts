import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from './app'

const strongKey = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))

describe('secrets', () => {
  afterEach(() => vi.restoreAllMocks())

  it.each([
    ['a missing JWT_SECRET', { JWT_SECRET: '' }],
    ['a JWT_SECRET under 32 bytes', { JWT_SECRET: btoa('short secret') }],
    ['missing MESSAGE_KEYS', { MESSAGE_KEYS: '' }],
    ['a 16-byte message key', { MESSAGE_KEYS: `v1:${btoa('0123456789abcdef')}` }],
    ['a malformed keyring', { MESSAGE_KEYS: `key:${strongKey}` }],
  ])('fail every request with 500 server_misconfigured and a log line for %s', async (_, override) => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {})
    const res = await app.fetch(new Request('http://chat.test/health'), { ...env, ...override })
    expect(res.status).toBe(500)
    expect(await res.json()).toMatchObject({ error: { code: 'server_misconfigured' } })
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/^server misconfigured: (JWT_SECRET|MESSAGE_KEYS)/))
    expect(JSON.stringify(log.mock.calls)).not.toContain(strongKey)
  })

  it('serves requests with valid secrets', async () => {
    const res = await app.fetch(new Request('http://chat.test/health'), { ...env, JWT_SECRET: strongKey })
    expect(res.status).toBe(200)
  })
})
