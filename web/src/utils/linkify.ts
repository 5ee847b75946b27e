/** One piece of a message: plain text, or a link to show as `text` and open at `href`. */
export type TextPart = { text: string; href?: undefined } | { text: string; href: string }

// A candidate starts at "http://" or "https://" (any case) and runs to the first character that
// cannot be part of a link people type: whitespace, controls, format characters (bidi controls,
// zero-width characters: a U+202E inside would make the shown link differ from where it goes), and
// the delimiters RFC 3986 Appendix C names around URIs in text (< > " and the backquote). Schemes
// are never matched in any other way, so javascript:, data: and vbscript: text stays text.
const CANDIDATE = /https?:\/\/[^\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}<>"`]+/giu
// Punctuation that usually ends the sentence rather than the link ("see https://a.example.").
const TRAILING = /[.,:;!?'’”»]$/u
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' }

/** Drops trailing punctuation, and a closing bracket that has no opener inside the link. */
function trimEnd(candidate: string): string {
  let url = candidate
  for (;;) {
    const last = url.at(-1) ?? ''
    if (TRAILING.test(last)) url = url.slice(0, -1)
    else if (last in CLOSERS && count(url, last) > count(url, CLOSERS[last]!)) url = url.slice(0, -1)
    else return url
  }
}

const count = (text: string, char: string) => text.split(char).length - 1

/**
 * The link's target, or null: `new URL` (WHATWG URL) must parse it as http: or https: with a
 * host. The href is the parsed URL's serialisation, so an IDN host is in Punycode (the host the
 * browser will really contact) while the text keeps what the sender wrote.
 */
function toHref(url: string): string | null {
  try {
    const parsed = new URL(url)
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) return null
    return parsed.href
  } catch {
    return null
  }
}

/**
 * Splits message text into text and http(s) links, in order; joining the parts' `text` gives
 * `text` back unchanged. Only explicit `http://` and `https://` links are found (no bare domains,
 * no other schemes). The caller renders each part as a text child (escaped by Preact) and each
 * link as `<a target="_blank" rel="noopener noreferrer nofollow">`.
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = []
  let done = 0
  for (const match of text.matchAll(CANDIDATE)) {
    const url = trimEnd(match[0])
    const href = toHref(url)
    if (!href) continue
    if (match.index > done) parts.push({ text: text.slice(done, match.index) })
    parts.push({ text: url, href })
    done = match.index + url.length
  }
  if (done < text.length) parts.push({ text: text.slice(done) })
  return parts
}
