import { describe, expect, it } from 'vitest'
import { balanceBidi, isolate } from './bidi'

describe('balanceBidi', () => {
  it.each([
    ['plain text', 'Team', 'Team'],
    ['an emoji', 'Team 😀', 'Team 😀'],
    ['Arabic with Arabic-Indic digits', 'سارة٣٤', 'سارة٣٤'],
    ['a right-to-left override, closed by the enclosing isolate', 'Team\u202Eexe.pdf', 'Team\u202Eexe.pdf'],
    ['a stray PDF, which cannot pop an isolate', '\u202Cabc', '\u202Cabc'],
    ['a stray PDI, which would end the enclosing isolate', 'Team\u2069\u202Eexe.pdf', 'Team\u202Eexe.pdf'],
    ['a PDI before its initiator', '\u2069\u2067a', '\u2067a\u2069'],
    ['an RLI without PDI', 'Team\u2067exe', 'Team\u2067exe\u2069'],
    ['two open isolates', '\u2066a\u2068b', '\u2066a\u2068b\u2069\u2069'],
    ['a matched isolate', 'a\u2067b\u2069c', 'a\u2067b\u2069c'],
    ['a matched isolate and a stray PDI', 'a\u2067b\u2069\u2069c', 'a\u2067b\u2069c'],
    ['U+2029 PARAGRAPH SEPARATOR', 'Team\u2029\u202Eexe', 'Team \u202Eexe'],
    ['NEL, LF, CR and U+001C-U+001E', 'a\u0085b\nc\rd\x1Ce\x1Df\x1Eg', 'a b c d e f g'],
  ])('keeps %s from reaching past the isolate', (_, input, expected) => {
    expect(balanceBidi(input)).toBe(expected)
  })
})

describe('isolate', () => {
  it('wraps the balanced text in FSI ... PDI', () => {
    expect(isolate('Team\u2069\u202Eexe.pdf')).toBe('\u2068Team\u202Eexe.pdf\u2069')
  })
})
