import { AppError } from '../errors'
import type { JsonObject } from '../input'

// `fatal`: a malformed sequence throws instead of becoming U+FFFD, which would store words the
// sender never wrote. Without `stream`, each decode() starts afresh, so one decoder serves all calls.
const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * `bytes` as UTF-8 text, or null when they are not well-formed UTF-8 (the Encoding Standard's
 * decoder: overlong forms, encoded surrogates, truncated and stray continuation bytes all fail). A
 * leading byte order mark is dropped, as the Encoding Standard's "UTF-8 decode" does.
 */
export function decodeUtf8(bytes: BufferSource): string | null {
  try {
    return UTF8.decode(bytes)
  } catch {
    return null
  }
}

/**
 * Parses `application/x-www-form-urlencoded` text (a form body, or a URL's query without the `?`)
 * into `{ name: value }`, as the WHATWG URL Standard's parser (§5.1) does, with two refusals where
 * URLSearchParams would silently pick: percent-escapes that decode to malformed UTF-8 (it writes
 * U+FFFD) and a repeated name (it keeps both; `Object.fromEntries` then takes the last, Hono's
 * `c.req.query()` the first). Throws `invalid_request` naming the field; `what` names the whole
 * ("The request body", "The query") when the name itself is at fault.
 */
export function parseUrlencoded(raw: string, what: string): JsonObject {
  const fields = new Map<string, string>()
  for (const sequence of raw.split('&')) {
    if (sequence === '') continue
    const eq = sequence.indexOf('=')
    const name = percentDecode(eq === -1 ? sequence : sequence.slice(0, eq))
    if (name === null) throw new AppError('invalid_request', `${what} has a field name that is not valid UTF-8.`)
    const value = percentDecode(eq === -1 ? '' : sequence.slice(eq + 1))
    if (value === null) throw new AppError('invalid_request', `"${name}" is not valid UTF-8.`, name)
    if (fields.has(name)) throw new AppError('invalid_request', `"${name}" is given more than once.`, name)
    fields.set(name, value)
  }
  // fromEntries defines own properties, so a field named "__proto__" stays a field.
  return Object.fromEntries(fields)
}

const PERCENT = 0x25

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30
  const lower = byte | 0x20
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1
}

// '+' is a space; "%XX" is one byte; a '%' without two hex digits after it stays as it is (URL §1.3).
function percentDecode(input: string): string | null {
  const encoded = new TextEncoder().encode(input.replaceAll('+', ' '))
  const bytes = new Uint8Array(encoded.length)
  let length = 0
  for (let i = 0; i < encoded.length; i++) {
    const high = encoded[i] === PERCENT ? hexValue(encoded[i + 1]) : -1
    const low = high === -1 ? -1 : hexValue(encoded[i + 2])
    if (low === -1) {
      bytes[length++] = encoded[i]!
      continue
    }
    bytes[length++] = high * 16 + low
    i += 2
  }
  return decodeUtf8(bytes.subarray(0, length))
}
