import type { Context } from 'hono'
import { AppError } from '../errors'
import { parseJsonObject, type JsonObject } from '../input'
import { decodeUtf8, parseUrlencoded } from './urlencoded'

/**
 * Reads a request body as JSON or as a urlencoded form (the seed's clients send both); validate
 * the result with `parseInput` and a schema from protocol/requests.ts. An empty body is `{}`, so
 * routes whose fields are all optional accept no body at all. Throws `invalid_request` for bytes
 * that are not UTF-8 (RFC 8259 §8.1 requires it of JSON; a form's escapes are decoded as UTF-8 by
 * the URL Standard) and for a repeated form field; `invalid_json`, `unsupported_media_type`.
 */
export async function readBody(c: Context): Promise<JsonObject> {
  const raw = decodeUtf8(await c.req.arrayBuffer())
  if (raw === null) throw new AppError('invalid_request', 'The request body is not valid UTF-8.')
  if (raw.trim() === '') return {}
  const type = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/json' || type.endsWith('+json')) return parseJsonObject(raw)
  if (type === 'application/x-www-form-urlencoded') return parseUrlencoded(raw, 'The request body')
  throw new AppError('unsupported_media_type', 'Send the body as application/json or application/x-www-form-urlencoded.')
}

/**
 * The request's query string as `{ name: value }`, under the same rules as a form body: a repeated
 * name or an escape that is not UTF-8 is `invalid_request` naming the field.
 */
export function readQuery(c: Context): JsonObject {
  return parseUrlencoded(new URL(c.req.url).search.slice(1), 'The query')
}
