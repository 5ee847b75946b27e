import { describe, expect, it } from 'vitest'
import { MESSAGE_MAX_CHARS } from '../../../protocol'
import { checkDraft } from './draft'
import { ENCODINGS } from '../test/encodings'

describe('checkDraft', () => {
  describe.each(ENCODINGS)('with %s', (_, char) => {
    it('can send at exactly the limit, with 0 characters left', () => {
      expect(checkDraft(char.repeat(MESSAGE_MAX_CHARS))).toEqual({ charsLeft: 0, canSend: true, hint: '0 characters left', isError: false })
    })

    it('refuses one past the limit as 1 character over', () => {
      expect(checkDraft(char.repeat(MESSAGE_MAX_CHARS + 1))).toEqual({ charsLeft: -1, canSend: false, hint: '1 character over the limit', isError: true })
    })
  })

  it('counts 2,001 emoji as 2,001 characters, well within the limit (issue #9)', () => {
    expect(checkDraft('😀'.repeat(2001))).toEqual({ charsLeft: MESSAGE_MAX_CHARS - 2001, canSend: true, hint: null, isError: false })
  })

  it.each([
    ['nothing', ''],
    ['spaces and line breaks', '  \n\t '],
    ['zero-width and filler characters', '\u200B\u2060\u3164\uFEFF'],
    ['a braille blank', '\u2800'],
  ])('cannot send %s, without an error line', (_, text) => {
    expect(checkDraft(text)).toMatchObject({ canSend: false, hint: null, isError: false })
  })

  it.each([
    ['a C0 control', 'ring\u0007', 'Message must not contain control characters other than line breaks and tabs.'],
    ['a lone surrogate', 'half \uD83D', 'Message must be well-formed Unicode (no lone surrogates).'],
  ])('refuses %s with the rule it breaks', (_, text, hint) => {
    expect(checkDraft(text)).toMatchObject({ canSend: false, hint, isError: true })
  })

  it.each([
    ['a right-to-left override', 'report\u202Eexe.pdf'],
    ['tabs and line breaks', 'a\tb\nc'],
  ])('sends %s, which messages may contain', (_, text) => {
    expect(checkDraft(text).canSend).toBe(true)
  })
})
