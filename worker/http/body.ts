import type { Context } from 'hono'
import { AppError } from '../errors'
import { parseJsonObject, type JsonObject } from '../input'

/**
 * Reads a request body as JSON or as a urlencoded form (the seed's clients send both); validate
 * the result with `parseInput` and a schema from protocol/requests.ts. An empty body is `{}`, so
 * routes whose fields are all optional accept no body at all.
 */
export async function readBody(c: Context): Promise<JsonObject> {
  const raw = await c.req.text()
  if (raw.trim() === '') return {}
  const type = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/json' || type.endsWith('+json')) return parseJsonObject(raw)
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(raw))
  throw new AppError('unsupported_media_type', 'Send the body as application/json or application/x-www-form-urlencoded.')
}
