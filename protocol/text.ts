/**
 * The one rule for free text (messages, group names, usernames, and any future field), shared by
 * the worker's schemas and the web client. Plain functions, no dependencies, so the client can use
 * them in its first load.
 *
 * Unit: every character limit in this protocol counts Unicode code points (`countChars`), the unit
 * the server has always enforced. Not UTF-16 units (an emoji would count twice) and not extended
 * grapheme clusters (UAX #29): a cluster has no length bound (one letter can carry any number of
 * combining marks), so a grapheme limit could not bound the request size, and Intl.Segmenter gives
 * different clusters in different engine versions. An emoji ZWJ sequence such as 👨‍👩‍👧 is 5 characters.
 */

/**
 * Most bytes one character can take on the wire, in every encoding we accept: an astral code point
 * is `\uD83D\uDE00` in escaped JSON (12 bytes) and `%F0%9F%98%80` form-urlencoded (12 bytes); a
 * BMP one at most `\u6C49` (6) or `%E6%B1%89` (9). Body and frame caps are derived from this, so
 * text valid by the rule is never refused for its size (413 / 1009), only for its length (400).
 */
export const MAX_WIRE_BYTES_PER_CHAR = 12

/** Number of Unicode code points in `text` (a surrogate pair counts once, a lone surrogate once). */
export function countChars(text: string): number {
  let count = text.length
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        count -= 1
        i += 1
      }
    }
  }
  return count
}

/** `message`: multi-line free text. `name`: one line shown in lists (group names, usernames). */
export type TextKind = 'message' | 'name'

/** Why a text breaks the rule; `describeTextProblem` turns it into an error message. */
export type TextProblem = 'malformed' | 'control' | 'line_break' | 'bidi' | 'empty'

// A lone surrogate cannot be encoded as UTF-8 and would be stored as U+FFFD. In a `u` regex a pair
// reads as one astral code point, so \p{Cs} only matches a lone half.
const LONE_SURROGATE = /\p{Cs}/u
// C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F): exactly General_Category=Cc. Messages keep LF and
// TAB; a CR is accepted only inside CRLF, which `normalizeLineBreaks` turns into LF first.
const CONTROL_IN_MESSAGE = /[\0-\x08\x0B-\x1F\x7F-\x9F]/
const CONTROL_IN_NAME = /\p{Cc}/u
// U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: a name is one line.
const LINE_BREAK_IN_NAME = /[\p{Zl}\p{Zp}]/u
// Bidi_Control (Unicode PropList.txt; UAX #9): U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069.
// In a name they reorder what follows in every list ("Team\u202Eexe.pdf" shows as "Teamfdp.exe").
const BIDI_CONTROL = /\p{Bidi_Control}/u
// A text is empty when nothing is left after removing:
// - White_Space (PropList.txt): spaces, tabs, line breaks, NBSP, U+3000 ...;
// - Default_Ignorable_Code_Point (DerivedCoreProperties.txt; Unicode ch. 5.21): code points that
//   render as nothing, among them U+200B-U+200D, U+2060, U+FEFF, U+00AD, variation selectors, tags,
//   and the Hangul fillers U+115F, U+1160, U+3164, U+FFA0 (listed again below so the rule does not
//   depend on the engine's Unicode version);
// - blank look-alikes that have neither property: U+2800 BRAILLE PATTERN BLANK (an empty cell),
//   U+1D159 MUSICAL SYMBOL NULL NOTEHEAD, and format characters that draw nothing on their own:
//   U+FFF9-U+FFFB (interlinear annotation marks) and U+13430-U+1343F (Egyptian hieroglyph format
//   controls; Cf, UnicodeData.txt).
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\u115F\u1160\u3164\uFFA0\u2800\u{1D159}\uFFF9-\uFFFB\u{13430}-\u{1343F}]/u

/**
 * True when `text` has no lone surrogate, so UTF-8 encodes it as it is (`String.prototype.isWellFormed`,
 * ES2024); a lone one would become U+FFFD (WHATWG Encoding), a different string that compares equal.
 */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text)
}

/** CRLF (what an HTML form sends for a textarea's line break) becomes LF; nothing else changes. */
export function normalizeLineBreaks(text: string): string {
  return text.includes('\r\n') ? text.replaceAll('\r\n', '\n') : text
}

/** True when `text` has no character that shows: only white space, ignorables and blank look-alikes. */
export function isBlank(text: string): boolean {
  return !VISIBLE.test(text)
}

/**
 * The first way `text` breaks the free-text rule, or null when it is fine. Checked in this order:
 * lone surrogates, C0/C1 controls (LF and TAB allowed in messages only; normalize CRLF first), line
 * separators and bidi controls in names, then emptiness (`isBlank`). Length is checked apart
 * (`countChars` against the field's limit).
 */
export function findTextProblem(text: string, kind: TextKind): TextProblem | null {
  if (!isWellFormed(text)) return 'malformed'
  if ((kind === 'message' ? CONTROL_IN_MESSAGE : CONTROL_IN_NAME).test(text)) return 'control'
  if (kind === 'name' && LINE_BREAK_IN_NAME.test(text)) return 'line_break'
  if (kind === 'name' && BIDI_CONTROL.test(text)) return 'bidi'
  if (isBlank(text)) return 'empty'
  return null
}

/** The problem as the end of a sentence naming the field: `"text" ${describeTextProblem(...)}`. */
export function describeTextProblem(problem: TextProblem, kind: TextKind): string {
  switch (problem) {
    case 'malformed':
      return 'must be well-formed Unicode (no lone surrogates).'
    case 'control':
      return kind === 'message'
        ? 'must not contain control characters other than line breaks and tabs.'
        : 'must not contain control characters, tabs or line breaks.'
    case 'line_break':
      return 'must not contain line breaks.'
    case 'bidi':
      return 'must not contain bidirectional control characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069).'
    case 'empty':
      return 'must not be empty or only invisible characters.'
  }
}

/**
 * Longest reaction, in code points. The longest emoji in Unicode's RGI list (a kiss with two skin
 * tones, 👩🏻‍❤️‍💋‍👨🏼) is 10; the cap bounds what one reaction can store.
 */
export const REACTION_MAX_CHARS = 16

// Every code point of an emoji sequence (UTS #51 emoji-data.txt): Emoji, Emoji_Component (ZWJ,
// VS16, skin tones, tags, keycap, regional indicators) or Extended_Pictographic. A `u` regex never
// matches a lone surrogate here, so malformed text fails too.
const EMOJI_CODE_POINTS = /^[\p{Emoji}\p{Emoji_Component}\p{Extended_Pictographic}]+$/u
// What the sequence must start with to show as one emoji rather than a digit or a bare modifier:
// a pictograph, a flag (two regional indicators), or a keycap (UTS #51 ED-14c: [0-9#*] FE0F 20E3).
const EMOJI_START = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}{2}$|[0-9#*]\uFE0F?\u20E3$)/u

let graphemes: Intl.Segmenter | undefined

/** Number of extended grapheme clusters (UAX #29) in `text`, as the engine's Intl.Segmenter counts them. */
export function countGraphemes(text: string): number {
  graphemes ??= new Intl.Segmenter('und', { granularity: 'grapheme' })
  let count = 0
  for (const _ of graphemes.segment(text)) count++
  return count
}

/**
 * True when `text` is one emoji, the rule for a reaction: 1 to REACTION_MAX_CHARS code points, all
 * emoji code points (see EMOJI_CODE_POINTS), one grapheme cluster (UAX #29 via Intl.Segmenter: a ZWJ
 * sequence or a flag is one, "👍👍" is two), starting with a pictograph, a flag or a keycap. So 👍,
 * ❤️, 👍🏽, 👨‍👩‍👧, 🇫🇷 and 1️⃣ pass; "a", "1", a lone skin tone, a lone regional indicator and
 * anything with a space do not. Compared as sent: ❤ and ❤️ (with VS16) are two reactions.
 */
export function isReactionEmoji(text: string): boolean {
  const chars = countChars(text)
  if (chars < 1 || chars > REACTION_MAX_CHARS) return false
  return EMOJI_CODE_POINTS.test(text) && EMOJI_START.test(text) && countGraphemes(text) === 1
}
