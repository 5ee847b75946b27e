import fc from 'fast-check'
import * as v from 'valibot'

// Inputs a client can get wrong, shared by the REST and the frame properties: values of every JSON
// type, boundary numbers (also as JSON text no JS number can hold), Unicode edge cases, very long
// strings; and the ways a whole body or frame can be broken (truncated, wrong type, not UTF-8).

/** A JSON number written as-is into the text (`1e309`, `-0`), which JSON.stringify cannot produce. */
export class RawNumber {
  constructor(readonly text: string) {}
}

/** A JSON value as generated: plain JSON, with RawNumber anywhere a number can be. */
export type FuzzValue = null | boolean | number | string | RawNumber | FuzzValue[] | { [key: string]: FuzzValue }

/** Serializes a FuzzValue as JSON text; a lone surrogate comes out as a `\uD800` escape (ES2019). */
export function toJsonText(value: FuzzValue): string {
  if (value instanceof RawNumber) return value.text
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${toJsonText(item)}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

/** How a form client would send the value: its text (arrays and objects as JSON). */
export function toFormText(value: FuzzValue): string {
  if (value instanceof RawNumber) return value.text
  if (typeof value === 'string') return value
  return typeof value === 'object' && value !== null ? toJsonText(value) : String(value)
}

const BOUNDARY_NUMBERS = [0, -1, 1, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 2 ** 31, 2 ** 32, 1.5, 0.1, 1e21, Number.MIN_VALUE, Number.MAX_VALUE]
/** Numbers as JSON text: past the double range (Infinity once parsed), past 2^53, exponents, minus zero. */
const RAW_NUMBERS = ['1e309', '-1e309', '9007199254740993', '123456789012345678901234567890', '1e3', '1.0', '-0', '1E-400', '0.0000001']
/** Numbers as strings, as forms, paths and queries carry them. */
const NUMBER_STRINGS = ['007', '0', '-1', '+1', '1e3', '0x10', ' 7 ', '7\n', '1.5', '１２', '٣', 'Infinity', 'NaN', '9007199254740993', '1_000', '']
/**
 * Unicode edge cases (strings as JS holds them; serialized, lone surrogates become JSON escapes):
 * lone and reversed surrogates, NUL, C0/C1 controls, bidi controls (UAX #9), ZWJ sequences and
 * joiners, BOM, U+FFFD and noncharacters, combining marks, fullwidth and confusable letters.
 */
const UNICODE_EDGES = [
  '\uD800',
  '\uDC00',
  'a\uD83D',
  '\uDE00\uD83D',
  '\u0000',
  'a\u0000b',
  '\u0007\u001b[31m',
  '\u0085',
  '\u202E',
  'x\u2066y\u2069',
  '\u200F\u200E',
  '👨‍👩‍👧‍👦',
  '🏳️‍🌈',
  '\u200D',
  '\u200B',
  '\uFEFF',
  '\uFFFD',
  '\uFFFF',
  '\uDBFF\uDFFF',
  'e\u0301\u0301\u0301',
  '\r\n',
  '\t',
  ' ',
  '\u3000',
  'ａｄｍｉｎ',
  'аdmin',
  '<script>alert(1)</script>',
  "'; DROP TABLE users; --",
  '%00',
  '../..',
]

/** Strings near and past every text limit (names 32/100, search 64, messages 4,000 code points). */
const longString = fc.oneof(
  fc.constantFrom(31, 32, 33, 64, 65, 100, 101, 128, 129, 3999, 4000, 4001).chain((n) => fc.constantFrom('a'.repeat(n), '😀'.repeat(n), 'é'.repeat(n))),
  fc.constant('\u0000'.repeat(5000)),
  fc.constant('\u202E'.repeat(200)),
)

/** Any string: edge cases, random code points (lone surrogates included), graphemes, long ones. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...UNICODE_EDGES, ...NUMBER_STRINGS), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 2 },
  { arbitrary: fc.array(fc.constantFrom(...UNICODE_EDGES), { minLength: 2, maxLength: 6 }).map((parts) => parts.join('')), weight: 2 },
  { arbitrary: longString, weight: 1 },
)

export const anyNumber: fc.Arbitrary<FuzzValue> = fc.oneof(
  fc.constantFrom(...BOUNDARY_NUMBERS),
  fc.constantFrom(...RAW_NUMBERS.map((text) => new RawNumber(text))),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)

/** A value of the wrong kind for most fields: any JSON type, nested a little. */
export const anyValue: fc.Arbitrary<FuzzValue> = fc.letrec<{ value: FuzzValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<FuzzValue>(null, true, false, [], {}),
    anyString,
    anyNumber,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'type', '__proto__', 'constructor', ''), tie('value'), { maxKeys: 2 }),
  ),
})).value

/** What one field of an input gets: left out, a valid value (`valid`), or anything at all. */
export function fieldValue(valid: fc.Arbitrary<FuzzValue>): fc.Arbitrary<FuzzValue | undefined> {
  return fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: anyValue, weight: 3 }, { arbitrary: fc.constant(undefined), weight: 1 })
}

/** Fields no schema has, to prove they are ignored or refused, never stored. */
const extraFields = fc.dictionary(fc.constantFrom('extra', 'is_admin', 'role', 'sender_id', 'seq', '__proto__', 'id'), anyValue, { maxKeys: 2 })

/**
 * An object for `fields` (name -> valid values): each field valid, wrong or missing, plus extra
 * fields now and then. Only the top level is an object; `FuzzValue` covers what is inside.
 */
export function objectOf(fields: Record<string, fc.Arbitrary<FuzzValue>>): fc.Arbitrary<Record<string, FuzzValue>> {
  const entries = Object.entries(fields).map(([name, valid]) => fieldValue(valid).map((value) => [name, value] as const))
  return fc.tuple(fc.tuple(...entries), fc.oneof({ arbitrary: fc.constant({}), weight: 3 }, { arbitrary: extraFields, weight: 1 })).map(([pairs, extra]) => {
    const object: Record<string, FuzzValue> = { ...extra }
    for (const [name, value] of pairs) if (value !== undefined) object[name] = value
    return object
  })
}

/** The field names of a valibot object schema (from protocol/requests.ts or frames.ts). */
export function fieldsOf(schema: v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>): string[] {
  return Object.keys(schema.entries)
}
