import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/errors'
import { GROUP_NAME_RULE as NAME, NEW_PASSWORD_RULE as PASSWORD, USERNAME_RULE as USERNAME, describeFieldProblem, requireValidFields } from './text-field'
import { ENCODINGS } from '../test/encodings'

describe('describeFieldProblem', () => {
  describe.each(ENCODINGS)('counts %s code points', (_, char) => {
    it.each([
      ['a group name', 'Group name', NAME],
      ['a username', 'Username', USERNAME],
      ['a password', 'Password', PASSWORD],
    ])('accepts %s at exactly the limit and refuses one more', (_, label, rule) => {
      expect(describeFieldProblem(label, char.repeat(rule.max), rule)).toBeNull()
      expect(describeFieldProblem(label, char.repeat(rule.max + 1), rule)).toBe(`${label} must be at most ${rule.max} characters (it has ${rule.max + 1}).`)
    })
  })

  it.each([
    ['two emoji for a 3-character minimum', 'Username', '😀😀', USERNAME, 'Username must be at least 3 characters (it has 2).'],
    ['a blank name', 'Group name', '\u200B\u3164', NAME, 'Group name must not be empty or only invisible characters.'],
    ['white space only', 'Group name', '   ', NAME, 'Group name must not be empty or only invisible characters.'],
    ['a bidi control in a name', 'Group name', 'Team\u202Eexe.pdf', NAME, 'Group name must not contain bidirectional control characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).'],
    ['a line break in a name', 'Group name', 'a\u2028b', NAME, 'Group name must not contain line breaks.'],
    ['a tab in a name', 'Group name', 'a\tb', NAME, 'Group name must not contain control characters, tabs or line breaks.'],
    ['a lone surrogate', 'Group name', 'a\uD83D', NAME, 'Group name must be well-formed Unicode (no lone surrogates).'],
  ])('refuses %s', (_, label, value, rule, sentence) => {
    expect(describeFieldProblem(label, value, rule)).toBe(sentence)
  })

  it.each([
    ['a name with spaces around it, trimmed as the server does', 'Group name', `  ${'😀'.repeat(NAME.max)}  `, NAME],
    ['a password of spaces, which is never trimmed', 'Password', ' '.repeat(8), PASSWORD],
    ['a ZWJ family: one grapheme, 5 code points, over a 3-character minimum', 'Username', '👨‍👩‍👧', USERNAME],
  ])('accepts %s', (_, label, value, rule) => {
    expect(describeFieldProblem(label, value, rule)).toBeNull()
  })
})

describe('requireValidFields', () => {
  it('throws the first problem as an invalid_request ApiError', () => {
    const run = () =>
      requireValidFields([
        ['Username', 'ann', USERNAME],
        ['Password', 'short', PASSWORD],
        ['Group name', '', NAME],
      ])
    expect(run).toThrow(ApiError)
    expect(run).toThrow('Password must be at least 8 characters (it has 5).')
  })

  it('returns when every field is valid', () => {
    expect(() => requireValidFields([['Username', '𠮷野家', USERNAME]])).not.toThrow()
  })
})
