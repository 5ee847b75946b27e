// Content-Disposition (RFC 6266 §4) with the name twice: `filename*` in UTF-8 under RFC 8187's
// ext-value (what every current browser reads), and a plain `filename` for the few that do not.

// RFC 8187 §3.2.1 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~".
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/

function percentEncode(name: string): string {
  let out = ''
  for (const byte of new TextEncoder().encode(name)) {
    const ch = String.fromCharCode(byte)
    out += byte < 0x80 && ATTR_CHAR.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** `name` as a quoted-string of printable ASCII: anything else, and `"` and `\`, become `_`. */
function asciiFallback(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\]/gu, '_')
}

/** `inline` or `attachment`, with `name` in both spellings: `attachment; filename="a_.txt"; filename*=UTF-8''a%C3%A9.txt`. */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  return `${type}; filename="${asciiFallback(name)}"; filename*=UTF-8''${percentEncode(name)}`
}
