import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { Count, Email, GroupName, Id, MessageText, Seq, Username } from './fields'
import { CHAT_NAME_MAX_LENGTH, MESSAGE_MAX_CHARS, USERNAME_MAX_LENGTH } from './http'
import { CreateGroupRequestSchema, HistoryQuerySchema, MemberRequestSchema, SendRequestSchema, UsersQuerySchema } from './requests'

const output = (schema: v.GenericSchema, input: unknown) => {
  const result = v.safeParse(schema, input)
  return result.success ? result.output : 'refused'
}

describe('the integer rule', () => {
  // [input, Id (ids: JSON, form, path, query), Count (queries), Seq (socket frames: JSON numbers only)]
  it.each([
    [5, 5, 5, 5],
    ['5', 5, 5, 'refused'],
    [' 5 ', 5, 5, 'refused'],
    ['01', 1, 1, 'refused'],
    [0, 'refused', 0, 0],
    ['0', 'refused', 0, 'refused'],
    [-1, 'refused', 'refused', 'refused'],
    ['-1', 'refused', 'refused', 'refused'],
    ['+1', 'refused', 'refused', 'refused'],
    [1e3, 1000, 1000, 1000],
    ['1e3', 'refused', 'refused', 'refused'],
    [1.5, 'refused', 'refused', 'refused'],
    ['1.5', 'refused', 'refused', 'refused'],
    ['1.0', 'refused', 'refused', 'refused'],
    ['0x10', 'refused', 'refused', 'refused'],
    ['１', 'refused', 'refused', 'refused'],
    ['999999999999999', 999999999999999, 999999999999999, 'refused'],
    ['9999999999999999', 'refused', 'refused', 'refused'],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    [Number.MAX_SAFE_INTEGER + 1, 'refused', 'refused', 'refused'],
    [Number.NaN, 'refused', 'refused', 'refused'],
    [Infinity, 'refused', 'refused', 'refused'],
    ['', 'refused', 'refused', 'refused'],
    [true, 'refused', 'refused', 'refused'],
    [null, 'refused', 'refused', 'refused'],
    [[1], 'refused', 'refused', 'refused'],
  ])('reads %j as Id %j, Count %j, Seq %j', (input, id, count, seq) => {
    expect(output(Id, input)).toBe(id)
    expect(output(Count, input)).toBe(count)
    expect(output(Seq, input)).toBe(seq)
  })

  it('clamps paging counts and treats an empty one as absent', () => {
    expect(v.parse(UsersQuerySchema, {})).toEqual({ q: '', limit: 20, offset: 0 })
    expect(v.parse(UsersQuerySchema, { limit: '0', offset: '' })).toEqual({ q: '', limit: 1, offset: 0 })
    expect(v.parse(UsersQuerySchema, { limit: '500', offset: '5000000' })).toEqual({ q: '', limit: 50, offset: 1_000_000 })
    expect(v.parse(HistoryQuerySchema, { limit: '' })).toEqual({ limit: 100 })
    expect(output(HistoryQuerySchema, { before: '' })).toBe('refused')
    expect(output(HistoryQuerySchema, { limit: '1e3' })).toBe('refused')
  })
})

describe('text fields', () => {
  it.each([
    ['a message', MessageText, MESSAGE_MAX_CHARS],
    ['a group name', GroupName, CHAT_NAME_MAX_LENGTH],
  ])('takes %s of exactly the limit in astral characters and refuses one more', (_, schema, max) => {
    expect(output(schema, '😀'.repeat(max))).toBe('😀'.repeat(max))
    expect(output(schema, '😀'.repeat(max + 1))).toBe('refused')
    expect(output(schema, '汉'.repeat(max))).toBe('汉'.repeat(max))
    expect(output(schema, '汉'.repeat(max + 1))).toBe('refused')
  })

  it('keeps a message as sent except CRLF, and trims names', () => {
    expect(output(MessageText, '  two\r\nlines\t ')).toBe('  two\nlines\t ')
    expect(output(MessageText, 'a\rb')).toBe('refused')
    expect(output(GroupName, '  Team  ')).toBe('Team')
    expect(output(Username, ` ${'a'.repeat(USERNAME_MAX_LENGTH)} `)).toBe('a'.repeat(USERNAME_MAX_LENGTH))
    expect(output(Username, 'a'.repeat(USERNAME_MAX_LENGTH + 1))).toBe('refused')
  })

  it('refuses a username of fillers that the letter pattern alone would let through', () => {
    expect(output(Username, '\u3164\u3164\u3164')).toBe('refused')
    expect(output(Username, 'ab\u202Ec')).toBe('refused')
  })
})

describe('request schemas', () => {
  it('fills defaults and reads form spellings', () => {
    expect(v.parse(CreateGroupRequestSchema, { name: 'G' })).toEqual({ is_group: true, name: 'G', visibility: 'public' })
    expect(v.parse(CreateGroupRequestSchema, { is_group: '1', name: 'G', visibility: 'private' })).toEqual({ is_group: true, name: 'G', visibility: 'private' })
    expect(output(CreateGroupRequestSchema, { is_group: 'false', name: 'G' })).toBe('refused')
    expect(v.parse(SendRequestSchema, { message: 'hi', client_id: null })).toEqual({ message: 'hi', client_id: null })
    expect(v.parse(SendRequestSchema, { message: 'hi', extra: 1 })).toEqual({ message: 'hi', client_id: null })
  })

  it('tells a missing user_id (oneself) from a null one (refused)', () => {
    expect(v.parse(MemberRequestSchema, {})).toEqual({})
    expect(output(MemberRequestSchema, { user_id: null })).toBe('refused')
    expect(output(MemberRequestSchema, { user_id: '' })).toBe('refused')
    expect(v.parse(MemberRequestSchema, { user_id: '7' })).toEqual({ user_id: 7 })
  })
})

describe('Email', () => {
  // What looks exactly like another address, or reorders how it is shown, is not an address.
  it.each([
    ['a zero width space', 'a\u200b@x.test'],
    ['a BOM inside', 'a\ufeffb@x.test'],
    ['a soft hyphen', 'a\u00adb@x.test'],
    ['a braille blank', '\u2800@x.test'],
    ['a right-to-left override', 'a\u202egpj.exe@x.test'],
    ['a lone surrogate', 'a\ud800@x.test'],
    ['a NUL', 'a\u0000@x.test'],
    ['a C1 control', 'a\u0085@x.test'],
  ])('refuses %s', (_, email) => {
    expect(v.safeParse(Email, email).success).toBe(false)
  })

  it.each([['plain', 'ann@x.test'], ['accented, NFD', 'jose\u0301@x.test'], ['non-Latin', 'σοφία@παράδειγμα.δοκιμή']])('accepts %s', (_, email) => {
    const result = v.safeParse(Email, email)
    expect(result.success).toBe(true)
    expect(result.output).toBe(email.normalize('NFC'))
  })
})

describe('Username counts characters as stored (NFC)', () => {
  it('accepts 32 precomposed letters typed decomposed (64 code points before NFC)', () => {
    const result = v.safeParse(Username, 'e\u0301'.repeat(32))
    expect(result.success).toBe(true)
    expect(result.output).toBe('\u00e9'.repeat(32))
  })
  it('refuses 33 of them', () => {
    expect(v.safeParse(Username, 'e\u0301'.repeat(33)).success).toBe(false)
  })
})
