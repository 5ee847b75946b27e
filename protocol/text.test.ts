import { describe, expect, it } from 'vitest'
import { countChars, findTextProblem, isBlank, isReactionEmoji, normalizeLineBreaks, REACTION_MAX_CHARS } from './text'

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

// Nothing visible: White_Space, Default_Ignorable_Code_Point and the blank look-alikes.
const BLANKS = [
  0x2800, // BRAILLE PATTERN BLANK (neither property: listed by hand)
  0x3164, // HANGUL FILLER
  0x115f, // HANGUL CHOSEONG FILLER
  0x1160, // HANGUL JUNGSEONG FILLER
  0xffa0, // HALFWIDTH HANGUL FILLER
  0x200b, // ZERO WIDTH SPACE
  0x200c, // ZERO WIDTH NON-JOINER
  0x200d, // ZERO WIDTH JOINER
  0x2060, // WORD JOINER
  0xfeff, // ZERO WIDTH NO-BREAK SPACE (BOM)
  0x00ad, // SOFT HYPHEN
  0x034f, // COMBINING GRAPHEME JOINER
  0x180e, // MONGOLIAN VOWEL SEPARATOR
  0xfe0f, // VARIATION SELECTOR-16
  0xe0020, // TAG SPACE
  0x00a0, // NO-BREAK SPACE
  0x2007, // FIGURE SPACE
  0x3000, // IDEOGRAPHIC SPACE
  0x2028, // LINE SEPARATOR
  0x1d159, // MUSICAL SYMBOL NULL NOTEHEAD (neither property: listed by hand)
  0xfff9, // INTERLINEAR ANNOTATION ANCHOR (Cf, not ignorable: listed by hand)
  0xfffb, // INTERLINEAR ANNOTATION TERMINATOR
  0x13430, // EGYPTIAN HIEROGLYPH VERTICAL JOINER (Cf, not ignorable: listed by hand)
  0x1343f, // last of the Egyptian format controls
]
const BIDI_CONTROLS = [0x061c, 0x200e, 0x200f, ...range(0x202a, 0x202e), ...range(0x2066, 0x2069)]
const CONTROLS = [...range(0x00, 0x1f), ...range(0x7f, 0x9f)]

describe('countChars', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['汉字', 2],
    ['😀', 1],
    ['😀😀', 2],
    ['e\u0301', 2],
    ['👨‍👩‍👧', 5],
    ['🇫🇷', 2],
    ['\ud800', 1],
    ['\ud800a', 2],
    ['a\udc00', 2],
  ])('counts %j as %i code points', (text, expected) => {
    expect(countChars(text)).toBe(expected)
    expect(countChars(text)).toBe([...text].length)
  })
})

describe('findTextProblem', () => {
  it.each(BLANKS.map((cp) => [hex(cp), String.fromCodePoint(cp)]))('finds %s alone, repeated and among spaces empty', (_, blank) => {
    for (const text of [blank, blank.repeat(3), ` ${blank} `, `\n${blank}\t`]) {
      expect(isBlank(text)).toBe(true)
      expect(findTextProblem(text, 'message')).toBe('empty')
    }
    expect(findTextProblem(` ${blank} `, 'name')).toBe(blank === '\u2028' ? 'line_break' : 'empty')
  })

  it('finds the empty string and plain white space empty', () => {
    for (const text of ['', ' ', '\n\n', '\t \n']) expect(findTextProblem(text, 'message')).toBe('empty')
    expect(findTextProblem('', 'name')).toBe('empty')
  })

  it.each(CONTROLS.map((cp) => [hex(cp), cp]))('refuses control %s in names, and in messages unless LF or TAB', (_, cp) => {
    const text = `a${String.fromCodePoint(cp)}b`
    expect(findTextProblem(text, 'message')).toBe(cp === 0x0a || cp === 0x09 ? null : 'control')
    expect(findTextProblem(text, 'name')).toBe('control')
  })

  it('keeps LF and TAB in messages and turns CRLF into LF, leaving a lone CR to be refused', () => {
    expect(findTextProblem('line 1\nline 2\n\tindented', 'message')).toBeNull()
    expect(normalizeLineBreaks('a\r\nb\r\n')).toBe('a\nb\n')
    expect(findTextProblem(normalizeLineBreaks('a\r\nb'), 'message')).toBeNull()
    expect(findTextProblem(normalizeLineBreaks('a\rb'), 'message')).toBe('control')
  })

  it.each(BIDI_CONTROLS.map((cp) => [hex(cp), cp]))('refuses bidi control %s in names and keeps it in messages', (_, cp) => {
    const text = `Team${String.fromCodePoint(cp)}exe.pdf`
    expect(findTextProblem(text, 'name')).toBe('bidi')
    expect(findTextProblem(text, 'message')).toBeNull()
  })

  it('refuses line separators in names', () => {
    expect(findTextProblem('a\u2028b', 'name')).toBe('line_break')
    expect(findTextProblem('a\u2029b', 'name')).toBe('line_break')
    expect(findTextProblem('a\u2028b', 'message')).toBeNull()
  })

  it('refuses lone surrogates', () => {
    for (const text of ['\ud800', 'a\udc00', '😀\ud83d']) expect(findTextProblem(text, 'message')).toBe('malformed')
  })

  it.each([
    ['Cyrillic', 'Привет, мир'],
    ['Arabic', 'مرحبا بالعالم'],
    ['Hebrew', 'שלום עולם'],
    ['Chinese', '你好，世界'],
    ['Japanese', 'こんにちは'],
    ['Devanagari', 'नमस्ते दुनिया'],
    ['Thai', 'สวัสดีชาวโลก'],
    ['Korean', '안녕하세요'],
    ['emoji ZWJ sequence', '👨‍👩‍👧‍👦'],
    ['flag', '🇫🇷'],
    ['skin tone', '👋🏽'],
    ['keycap', '1️⃣'],
    ['combining marks', 'e\u0301 a\u0308 n\u0303'],
    ['stacked combining marks', 'Z\u0351\u036b\u0343\u036a\u0302'],
    ['a filler beside a letter', '\u3164a'],
    ['astral CJK', '𠀀𠀁'],
    ['ZWNJ inside a word (Persian)', 'می\u200cخواهم'],
  ])('accepts %s in messages and names', (_, text) => {
    expect(findTextProblem(text, 'message')).toBeNull()
    expect(findTextProblem(text, 'name')).toBeNull()
  })
})

describe('isReactionEmoji (one emoji: UTS #51 code points, one UAX #29 grapheme)', () => {
  it.each([
    ['a pictograph', '👍'],
    ['a heart with VS16', '❤️'],
    ['a heart without it', '❤'],
    ['a skin tone', '👍🏽'],
    ['a ZWJ family', '👨‍👩‍👧'],
    ['the longest RGI sequence (10 code points)', '👩🏻‍❤️‍💋‍👨🏼'],
    ['a flag', '🇫🇷'],
    ['a subdivision flag (tags)', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['a keycap', '1️⃣'],
    ['a keycap without VS16', '#\u20E3'],
    ['a text-style symbol with the emoji property', '©️'],
  ])('accepts %s', (_name, text) => {
    expect(isReactionEmoji(text)).toBe(true)
  })

  it.each([
    ['empty', ''],
    ['a letter', 'a'],
    ['a digit', '1'],
    ['two emoji', '👍👍'],
    ['a flag and a letter', '🇫🇷a'],
    ['white space around', ' 👍'],
    ['a zero-width space', '👍\u200B'],
    ['a lone skin tone', '\u{1F3FB}'],
    ['a lone regional indicator', '\u{1F1EB}'],
    ['a lone ZWJ', '\u200D'],
    ['a letter with a combining mark (one grapheme, no emoji)', 'e\u0301'],
    ['a lone surrogate', '\uD83D'],
    ['three flags (three graphemes)', '🇫🇷🇩🇪🇮🇹'],
    ['over REACTION_MAX_CHARS code points', '👍' + '\u{1F3FB}'.repeat(REACTION_MAX_CHARS)],
  ])('refuses %s', (_name, text) => {
    expect(isReactionEmoji(text)).toBe(false)
  })
})
