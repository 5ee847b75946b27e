import { describe, expect, it } from 'vitest'
import { MESSAGE_MAX_CHARS } from '../../../protocol/http'
import { AppError } from '../../errors'
import { parseClientFrame, SendRefused } from './parse-frame'

function codeOf(raw: string): string | null {
  try {
    parseClientFrame(raw)
    return null
  } catch (err) {
    return err instanceof AppError ? err.code : 'thrown'
  }
}

describe('parseClientFrame', () => {
  it('accepts the seed frame as a send without client_id', () => {
    expect(parseClientFrame('{"message":"hi"}')).toEqual({ type: 'send', text: 'hi', client_id: null })
  })

  it('accepts every documented frame', () => {
    expect(parseClientFrame('{"type":"send","client_id":"c-1","text":"hi"}')).toEqual({ type: 'send', client_id: 'c-1', text: 'hi' })
    expect(parseClientFrame('{"type":"resume","since":3}')).toEqual({ type: 'resume', since: 3 })
    expect(parseClientFrame('{"type":"auth","token":"abc"}')).toEqual({ type: 'auth', token: 'abc' })
    expect(parseClientFrame('{"type":"read","seq":0}')).toEqual({ type: 'read', seq: 0 })
    expect(parseClientFrame('{"type":"typing"}')).toEqual({ type: 'typing' })
    expect(parseClientFrame('{"type":"ping"}')).toEqual({ type: 'ping' })
  })

  // One rule with POST /chat/<id>/send/ (protocol/fields.ts OptionalClientId).
  it.each([
    ['absent', '{"type":"send","text":"hi"}'],
    ['null', '{"type":"send","text":"hi","client_id":null}'],
  ])('reads a client_id that is %s as none', (_, raw) => {
    expect(parseClientFrame(raw)).toEqual({ type: 'send', text: 'hi', client_id: null })
  })

  it('refuses a literal U+FFFD (what workerd makes of malformed UTF-8) but not the JSON escape for it', () => {
    expect(() => parseClientFrame('{"type":"send","client_id":"c-2","text":"ab\uFFFD\uFFFDcd"}')).toThrow(
      expect.objectContaining({ code: 'invalid_request', clientId: 'c-2' }),
    )
    expect(codeOf('{"message":"\uFFFD"}')).toBe('invalid_request')
    expect(parseClientFrame('{"type":"send","text":"ab\\ufffdcd"}')).toMatchObject({ text: 'ab\uFFFDcd' })
  })

  it('reads a frame with a leading byte order mark as HTTP bodies are read', () => {
    expect(parseClientFrame('\uFEFF{"type":"ping"}')).toEqual({ type: 'ping' })
  })

  it.each(['{}', '{"text":"hi"}', '{"client_id":"c-1"}'])('answers "type" is required to %s, which has neither type nor message', (raw) => {
    expect(() => parseClientFrame(raw)).toThrow(expect.objectContaining({ code: 'invalid_request', field: 'type', message: '"type" is required.' }))
  })

  it('refuses malformed frames with invalid_json or invalid_request', () => {
    expect(codeOf('not json')).toBe('invalid_json')
    expect(codeOf('[1]')).toBe('invalid_request')
    expect(codeOf('"text"')).toBe('invalid_request')
    expect(codeOf('{"type":"shout","text":"x"}')).toBe('invalid_request')
    expect(codeOf('{"type":"send","text":"   "}')).toBe('invalid_request')
    expect(codeOf('{"type":"send","text":7}')).toBe('invalid_request')
    expect(codeOf(JSON.stringify({ type: 'send', text: 'x'.repeat(MESSAGE_MAX_CHARS + 1) }))).toBe('invalid_request')
    expect(codeOf('{"type":"send","text":"x","client_id":""}')).toBe('invalid_request')
    expect(codeOf('{"type":"send","text":"x","client_id":"has space"}')).toBe('invalid_request')
    expect(codeOf('{"type":"resume","since":-1}')).toBe('invalid_request')
    expect(codeOf('{"type":"resume","since":"3"}')).toBe('invalid_request')
    expect(codeOf('{"type":"read","seq":1.5}')).toBe('invalid_request')
    expect(codeOf('{"type":"auth"}')).toBe('invalid_request')
    expect(codeOf('{"message":null}')).toBe('invalid_request')
  })

  it('names the client_id of a refused send', () => {
    try {
      parseClientFrame('{"type":"send","client_id":"c-9","text":""}')
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(SendRefused)
      expect(err).toMatchObject({ code: 'invalid_request', clientId: 'c-9' })
    }
  })

  it('counts characters, not UTF-16 units', () => {
    expect(parseClientFrame(JSON.stringify({ message: '😀'.repeat(MESSAGE_MAX_CHARS) }))).toMatchObject({ type: 'send' })
  })
})
