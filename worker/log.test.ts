import { env } from 'cloudflare:workers'
import { sql } from 'drizzle-orm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { d1Db } from './db/client'
import { users } from './db/schema'
import { errorFields, formatLine, log, REDACTED, redactValue } from './log'
import { captureLogs } from './test/logs'
import { uniqueName } from './test/helpers'

describe('formatLine', () => {
  it.each([
    'token',
    'access_token',
    'refreshToken',
    'Token',
    'password',
    'passwordHash',
    'new_password',
    'text',
    'message',
    'message_text',
    'errorMessage',
    'authorization',
    'Authorization',
    'cookie',
    'Set-Cookie',
    'secret',
    'JWT_SECRET',
  ])('writes %s as redacted', (name) => {
    const line = JSON.parse(formatLine('info', 'test', { [name]: 'hunter2-value' }))
    expect(line[name]).toBe(REDACTED)
    expect(formatLine('info', 'test', { [name]: 'hunter2-value' })).not.toContain('hunter2-value')
  })

  it.each(['request_id', 'route', 'status', 'duration_ms', 'user_id', 'chat_id', 'seq', 'key_version', 'variable', 'reason', 'error', 'tokenizer_version'])(
    'keeps %s',
    (name) => {
      expect(JSON.parse(formatLine('info', 'test', { [name]: 7 }))[name]).toBe(7)
    },
  )

  it('puts level and event first, leaves undefined fields out and cannot be made to lie about either', () => {
    const line = formatLine('warn', 'ev', { level: 'info', event: 'other', user_id: undefined, route: null })
    expect(line).toBe('{"level":"warn","event":"ev","route":null}')
  })

  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJl'
  it.each([
    ['a socket URL', `GET /ws/chat/12/?token=${jwt}&since=4`, `GET /ws/chat/12/?token=${REDACTED}&since=4`],
    ['a token after another parameter', '/ws/chat/1/?since=0&token=abc.def-ghi', `/ws/chat/1/?since=0&token=${REDACTED}`],
    ['an access_token parameter', 'https://x.test/cb?access_token=s3cr3t#frag', `https://x.test/cb?access_token=${REDACTED}#frag`],
    ['a refresh_token parameter', '?refresh_token=r3fr3sh', `?refresh_token=${REDACTED}`],
    ['an upper-case parameter', '?TOKEN=abc', `?TOKEN=${REDACTED}`],
    ['a Bearer header', 'Authorization: Bearer abc.def.ghi', `Authorization: Bearer ${REDACTED}`],
    ['a bare JWT', `token was ${jwt}, refused`, `token was ${REDACTED}, refused`],
  ])('redacts the credential in %s wherever it sits', (_, value, expected) => {
    expect(redactValue(value)).toBe(expected)
    expect(JSON.parse(formatLine('error', 'failed', { reason: value })).reason).toBe(expected)
  })

  it.each(['/ws/chat/12/?since=4', '/chat/:id/send/', 'tokenizer=v2', 'no such table: users', 'eyJust.kidding'])('leaves %s as it is', (value) => {
    expect(redactValue(value)).toBe(value)
  })

  it('writes one line whatever a value holds', () => {
    expect(formatLine('error', 'ev', { reason: 'a\nb' })).not.toContain('\n')
  })
})

describe('log', () => {
  afterEach(() => vi.restoreAllMocks())

  it('writes each level to its console method', () => {
    const spies = { log: vi.spyOn(console, 'log'), warn: vi.spyOn(console, 'warn'), error: vi.spyOn(console, 'error') }
    for (const spy of Object.values(spies)) spy.mockImplementation(() => {})
    log.info('a')
    log.warn('b')
    log.error('c')
    expect(spies.log).toHaveBeenCalledWith('{"level":"info","event":"a"}')
    expect(spies.warn).toHaveBeenCalledWith('{"level":"warn","event":"b"}')
    expect(spies.error).toHaveBeenCalledWith('{"level":"error","event":"c"}')
  })

  it('logs the name and message of an error, never its stack', () => {
    const logs = captureLogs()
    const err = new TypeError('boom')
    log.error('failed', errorFields(err))
    expect(logs.lines()).toEqual([{ level: 'error', event: 'failed', error: 'TypeError', reason: 'boom' }])
    expect(errorFields('a string')).toEqual({ error: 'unknown' })
  })
})

describe('errorFields on a failed drizzle query', () => {
  const db = () => d1Db(env.DB)
  const row = () => {
    const name = uniqueName('leak')
    return { username: name, email: `${name}@example.com`, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0$aGFzaA', createdAtMs: 1 }
  }

  it.each([
    [
      'a constraint violation',
      async () => {
        const user = row()
        await db().insert(users).values(user)
        await db().insert(users).values({ ...user, username: `${user.username}x` })
      },
      /UNIQUE constraint failed: users\.email/,
    ],
    [
      'a missing table',
      async () => {
        await db().run(sql`SELECT * FROM no_such_table WHERE email = ${'carol-secret@example.com'}`)
      },
      /no such table: no_such_table/,
    ],
  ] as const)('logs the driver reason for %s and no bound value', async (_, query, reason) => {
    const err = await query().then(
      () => null,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/^Failed query:/)
    const fields = errorFields(err)
    expect(fields.reason).toMatch(reason)
    expect(fields.error).not.toBe('DrizzleQueryError')
    const line = formatLine('error', 'failed', fields)
    expect(line).not.toContain('params')
    expect(line).not.toContain('@example.com')
    expect(line).not.toContain('argon2id')
  })
})
