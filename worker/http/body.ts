import type { Context } from 'hono'
import { AppError } from './errors'

export type Body = Record<string, unknown>

/**
 * Reads a request body as JSON or as a urlencoded/multipart form (the seed's clients send both).
 * An empty body is `{}`, so routes whose fields are all optional accept no body at all.
 */
export async function readBody(c: Context): Promise<Body> {
  const raw = await c.req.text()
  if (raw.trim() === '') return {}
  const type = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/json' || type.endsWith('+json')) return parseJsonObject(raw)
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(raw))
  throw new AppError('unsupported_media_type', 'Send the body as application/json or application/x-www-form-urlencoded.')
}

/** Parses a JSON object; `what` names it in errors ("The request body", "The frame"). */
export function parseJsonObject(raw: string, what = 'The request body'): Body {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw new AppError('invalid_json', `${what} is not valid JSON.`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('invalid_request', `${what} must be a JSON object.`)
  }
  return value as Body
}
