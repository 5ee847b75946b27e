// Unicode Bidirectional Algorithm (UAX #9) code points that matter to an isolate.
const ISOLATE_INITIATORS = new Set([0x2066, 0x2067, 0x2068]) // LRI, RLI, FSI
const PDI = 0x2069
const FSI = '\u2068'
// Bidi_Class B (paragraph separators): LF, CR, U+001C-U+001E, NEL, U+2029. A paragraph break ends every
// isolate and embedding (UAX #9 rule X8), so inside a <bdi> it would let the rest of the line escape.
const PARAGRAPH_SEPARATOR = /[\n\r\x1C-\x1E\x85\u2029]/g

/**
 * `text` made safe to sit inside one isolate (a `<bdi>` element, or FSI ... PDI in a plain string),
 * so that nothing in it can reorder what follows the isolate on the same line:
 * - a PDI (U+2069) with no isolate initiator before it in `text` is dropped: it would match the
 *   enclosing isolate's own start (UAX #9 BD9) and end it early (Chromium does this for `<bdi>` too);
 * - each LRI/RLI/FSI left open gets a PDI at the end, so the enclosing PDI closes its own isolate;
 * - paragraph separators (Bidi_Class B) become spaces; names and previews are shown on one line anyway.
 * Embeddings and overrides (U+202A-U+202E) need nothing: the enclosing isolate's end closes them (X6a).
 * Everything else, other bidi controls included, is kept, so the text reads as its author wrote it.
 */
export function balanceBidi(text: string): string {
  let open = 0
  let out = ''
  for (const char of text.replace(PARAGRAPH_SEPARATOR, ' ')) {
    const code = char.codePointAt(0)!
    if (code === PDI) {
      if (open === 0) continue
      open -= 1
    } else if (ISOLATE_INITIATORS.has(code)) {
      open += 1
    }
    out += char
  }
  return out + '\u2069'.repeat(open)
}

/**
 * A user-supplied string isolated for places that take plain text only (`document.title`): FIRST
 * STRONG ISOLATE, the balanced text, POP DIRECTIONAL ISOLATE. In markup use `<UserText>` instead.
 */
export function isolate(text: string): string {
  return `${FSI}${balanceBidi(text)}\u2069`
}
