/**
 * Field schemas (valibot) that the request and frame schemas are built from. Each message is the
 * end of a sentence: the worker puts the field's path in front (`"text" must be at most 4000
 * characters.`), see `parseInput` in worker/input.ts.
 */
import * as v from 'valibot'
import {
  CHAT_NAME_MAX_LENGTH,
  FILE_NAME_MAX_CHARS,
  MAX_ATTACHMENTS_PER_MESSAGE,
  MESSAGE_MAX_CHARS,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
  USER_QUERY_MAX_CHARS,
} from './http'
import { countChars, describeTextProblem, findTextProblem, isReactionEmoji, isWellFormed, normalizeLineBreaks, type TextKind } from './text'

// 15 digits stay below Number.MAX_SAFE_INTEGER (2^53 - 1, 16 digits), so every match is exact.
const DECIMAL = /^\d{1,15}$/

interface IntegerRule {
  /** Smallest accepted value: 1 for ids, 0 for seqs and counts. */
  min: 0 | 1
  message: string
}

/**
 * The one integer rule: a safe integer >= `min`, given as a JSON number or, where the transport
 * carries only strings (form bodies, paths, queries), as 1-15 ASCII digits (surrounding white space
 * ignored, leading zeros allowed). Refused: negatives, fractions (1.5), signs and exponents in
 * strings ("+1", "1e3"), hex, and anything past Number.MAX_SAFE_INTEGER. A JSON `1e3` or `1.0` is
 * the number 1000 or 1 once parsed, so it is accepted as such.
 */
function toInteger(input: number | string, rule: IntegerRule): number | null {
  const value = typeof input === 'number' ? input : DECIMAL.test(input.trim()) ? Number(input) : NaN
  return Number.isSafeInteger(value) && value >= rule.min ? value : null
}

/* @__NO_SIDE_EFFECTS__ */
function integerFrom<T extends number | string>(input: v.GenericSchema<T>, rule: IntegerRule) {
  return v.pipe(
    input,
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const value = toInteger(dataset.value, rule)
      if (value === null) {
        addIssue({ message: rule.message })
        return NEVER
      }
      return value
    }),
  )
}

/** An integer from JSON, a form, a path or a query: a JSON number or a decimal string. */
/* @__NO_SIDE_EFFECTS__ */
export function integer(rule: IntegerRule) {
  return integerFrom(v.union([v.number(), v.string()], rule.message), rule)
}

/** An integer where only JSON numbers arrive (socket frames, our own headers). */
/* @__NO_SIDE_EFFECTS__ */
export function jsonInteger(rule: IntegerRule) {
  return integerFrom(v.number(rule.message), rule)
}

/** A row id (user, chat): positive, from JSON, a form, a path or a query. */
export const Id = integer({ min: 1, message: 'must be a positive integer id.' })
/** A count or offset from a query string: non-negative. */
export const Count = integer({ min: 0, message: 'must be a non-negative integer.' })
/** A seq in a socket frame: frames are JSON, so only a JSON number. */
export const Seq = jsonInteger({ min: 0, message: 'must be a non-negative integer.' })
/** The seq of a message an action targets (`reply_to`, `edit`, `delete`, `react`) in a frame: seqs start at 1. */
export const MessageSeq = jsonInteger({ min: 1, message: 'must be a message seq (a positive integer).' })
/** `reply_to` over HTTP: a message seq as a JSON number or, in a form, decimal digits. */
export const MessageSeqParam = integer({ min: 1, message: 'must be a message seq (a positive integer).' })

interface TextRule {
  kind: TextKind
  min: number
  max: number
}

/**
 * Free text under the rule of protocol/text.ts plus a length in code points. Names are trimmed
 * (White_Space at both ends); messages are kept as sent except CRLF -> LF.
 */
/* @__NO_SIDE_EFFECTS__ */
function text(rule: TextRule) {
  return v.pipe(
    v.string('must be a string.'),
    v.transform((s) => (rule.kind === 'name' ? s.trim() : normalizeLineBreaks(s))),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return
      const problem = findTextProblem(dataset.value, rule.kind)
      if (problem && !(problem === 'empty' && rule.min === 0)) addIssue({ message: describeTextProblem(problem, rule.kind) })
    }),
    v.check((s) => countChars(s) >= rule.min, `must be at least ${rule.min} characters.`),
    v.check((s) => countChars(s) <= rule.max, `must be at most ${rule.max} characters.`),
  )
}

/** Message text: 1 to MESSAGE_MAX_CHARS characters; LF and TAB allowed; not blank. */
export const MessageText = text({ kind: 'message', min: 1, max: MESSAGE_MAX_CHARS })
/** A group's name: one line of 1 to CHAT_NAME_MAX_LENGTH characters, no bidi controls. */
export const GroupName = text({ kind: 'name', min: 1, max: CHAT_NAME_MAX_LENGTH })
/** A search string (GET /users/ `q`): one line, may be empty. */
export const SearchText = text({ kind: 'name', min: 0, max: USER_QUERY_MAX_CHARS })
/** Letters and digits (any script), "_", "." and "-"; 3-32 characters. */
export const Username = v.pipe(
  v.string('must be a string.'),
  // Stored in NFC (UAX #15): one encoding per visible character, counted as stored (é typed as
  // e + U+0301 is one character); comparison uses the worker's folded form.
  v.normalize('NFC'),
  text({ kind: 'name', min: USERNAME_MIN_LENGTH, max: USERNAME_MAX_LENGTH }),
  v.regex(/^[\p{L}\p{N}_.-]+$/u, 'may contain letters, digits, "_", "." and "-" only.'),
)

/** Invisible in an email: Default_Ignorable_Code_Point (DerivedCoreProperties.txt) and U+2800. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800]/u

/** Stored as typed in NFC; compared by its canonical (folded) form. RFC 5321 caps a forward path at 254 characters. */
export const Email = v.pipe(
  v.string('must be a string.'),
  v.trim(),
  v.check((s) => s.length > 0, 'must not be empty.'),
  v.check((s) => countChars(s) <= 254, 'must be at most 254 characters.'),
  v.normalize('NFC'),
  // The text rule for names (no controls, bidi controls or malformed text) and nothing invisible
  // (Default_Ignorable_Code_Point): `a\u200b@x.test` would otherwise be a second account that looks
  // exactly like `a@x.test`.
  v.check((s) => findTextProblem(s, 'name') === null && !INVISIBLE.test(s), 'is not an email address.'),
  v.regex(/^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u, 'is not an email address.'),
)

// A password is hashed as UTF-8, where a lone surrogate becomes U+FFFD: "\ud800" would match "\ufffd"
// and every other lone surrogate. The web forms cannot send one; JSON can (RFC 8259 §8.2).
const WellFormedPassword = v.pipe(v.string('must be a string.'), v.check(isWellFormed, describeTextProblem('malformed', 'name')))

/** NIST SP 800-63B: length limits only, no composition rules, never trimmed; NUL and lone surrogates refused. */
export const NewPassword = v.pipe(
  WellFormedPassword,
  v.check((s) => countChars(s) >= PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters.`),
  v.check((s) => countChars(s) <= PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters.`),
  v.check((s) => !s.includes('\0'), 'must not contain NUL.'),
)
/**
 * A password at sign-in: any well-formed non-empty string up to the maximum. Not held to NewPassword's
 * rules, so an account made under older rules can still sign in; it is only compared with a hash. (One
 * registered with a lone surrogate before it was refused signs in with U+FFFD in its place: the same bytes.)
 */
export const Password = v.pipe(
  WellFormedPassword,
  v.check((s) => s.length > 0, 'must not be empty.'),
  v.check((s) => countChars(s) <= PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters.`),
)

/** Idempotency key of a send: 1-64 visible ASCII characters (U+0021-U+007E). */
export const ClientId = v.pipe(v.string('must be 1-64 visible ASCII characters.'), v.regex(/^[\x21-\x7e]{1,64}$/, 'must be 1-64 visible ASCII characters.'))

/** A send's `client_id` over HTTP and in frames alike: absent and null both mean none (null). */
export const OptionalClientId = v.nullish(ClientId, null)

/**
 * An attachment's file name: a name under the text rule (one line, no controls or bidi controls,
 * not blank), 1 to FILE_NAME_MAX_CHARS characters, without a path: no "/" or "\\", not "." or "..".
 */
export const FileName = v.pipe(
  text({ kind: 'name', min: 1, max: FILE_NAME_MAX_CHARS }),
  v.check((name) => !/[/\\]/.test(name) && name !== '.' && name !== '..', 'must be a file name without a path.'),
)

/** A reaction: exactly one emoji (`isReactionEmoji` in text.ts). */
export const Emoji = v.pipe(v.string('must be one emoji.'), v.check(isReactionEmoji, 'must be one emoji.'))

/** An attachment id as POST /chat/<id>/attachments/ returns it (#13): 1-64 URL-safe characters. */
export const AttachmentId = v.pipe(v.string('must be an attachment id.'), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an attachment id.'))
/** A send's attachments: up to MAX_ATTACHMENTS_PER_MESSAGE ids, no repeats. */
export const AttachmentIds = v.pipe(
  v.array(AttachmentId, 'must be a list of attachment ids.'),
  v.check((ids) => ids.length <= MAX_ATTACHMENTS_PER_MESSAGE, `must hold at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachment ids.`),
  v.check((ids) => new Set(ids).size === ids.length, 'must not repeat an attachment id.'),
)
