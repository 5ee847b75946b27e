import { describe, expect, it } from 'vitest'
import { ClientFrameSchema } from '../protocol/frames'
import { ChatIdSchema, CreateGroupRequestSchema, SendRequestSchema } from '../protocol/requests'
import { AppError } from './errors'
import { parseInput, parseJsonObject } from './input'

function refusal(run: () => unknown): AppError {
  try {
    run()
  } catch (err) {
    if (err instanceof AppError) return err
    throw err
  }
  throw new Error('expected a refusal')
}

describe('parseInput', () => {
  it.each([
    ['an over-long message', SendRequestSchema, { message: 'x'.repeat(4001) }, 'message', '"message" must be at most 4000 characters.'],
    ['a missing message', SendRequestSchema, {}, 'message', '"message" is required.'],
    ['a message of the wrong type', SendRequestSchema, { message: 7 }, 'message', '"message" must be a string.'],
    ['an invisible message', SendRequestSchema, { message: '\u2800' }, 'message', '"message" must not be empty or only invisible characters.'],
    ['a bad client_id', SendRequestSchema, { message: 'hi', client_id: 'a b' }, 'client_id', '"client_id" must be 1-64 visible ASCII characters.'],
    ['a bidi control in a group name', CreateGroupRequestSchema, { name: 'Team\u202Eexe.pdf' }, 'name', expect.stringMatching(/^"name" must not contain bidirectional control characters/)],
    ['a bad visibility', CreateGroupRequestSchema, { name: 'G', visibility: 'secret' }, 'visibility', '"visibility" must be "public" or "private".'],
    ['an unknown frame type', ClientFrameSchema, { type: 'shout' }, 'type', expect.stringMatching(/^"type" must be one of/)],
    ['a frame seq as a string', ClientFrameSchema, { type: 'read', seq: '3' }, 'seq', '"seq" must be a non-negative integer.'],
    ['a legacy frame without text', ClientFrameSchema, { message: null }, 'message', '"message" must be a string.'],
  ])('maps %s to invalid_request naming the field', (_, schema, input, field, message) => {
    const err = refusal(() => parseInput(schema, input))
    expect(err).toMatchObject({ code: 'invalid_request', field, message })
  })

  it('names a value that is a field itself by its root', () => {
    expect(refusal(() => parseInput(ChatIdSchema, 'abc', { root: 'chat_id' }))).toMatchObject({
      code: 'invalid_request',
      field: 'chat_id',
      message: '"chat_id" must be a positive integer id.',
    })
  })

  it('returns the typed output', () => {
    expect(parseInput(SendRequestSchema, { message: 'hi', client_id: 'c-1' })).toEqual({ message: 'hi', client_id: 'c-1' })
    expect(parseInput(ClientFrameSchema, { message: 'seed' })).toEqual({ type: 'send', text: 'seed', client_id: null })
  })
})

describe('parseJsonObject', () => {
  it.each([
    ['not json', 'invalid_json'],
    ['[1]', 'invalid_request'],
    ['"text"', 'invalid_request'],
    ['null', 'invalid_request'],
    ['7', 'invalid_request'],
  ])('refuses %j with %s', (raw, code) => {
    expect(refusal(() => parseJsonObject(raw, 'The frame')).code).toBe(code)
  })
})
