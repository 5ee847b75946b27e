import { afterEach, describe, expect, it, vi } from 'vitest'
import { errorFields, formatLine, log, REDACTED } from './log'
import { captureLogs } from './test/logs'

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
