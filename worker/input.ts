import * as v from 'valibot'
import { AppError } from './errors'

// Untrusted input becomes a typed value here or an `invalid_request` / `invalid_json` AppError.
// Shared by the REST routes and the room, so it lives outside `http/`.

export type JsonObject = Record<string, unknown>

/**
 * Parses a JSON object (a request body or a socket frame), ignoring a leading byte order mark; `what`
 * names it in errors ("The request body", "The frame"). Throws `invalid_json` for malformed JSON, `invalid_request` for any other value.
 */
export function parseJsonObject(raw: string, what = 'The request body'): JsonObject {
  let value: unknown
  try {
    // A leading byte order mark is dropped, as UTF-8 decoding drops it from HTTP bodies (Encoding
    // Standard), so a frame and a body with one read alike (RFC 8259 §8.1 lets parsers ignore it).
    value = JSON.parse(raw.startsWith('\uFEFF') ? raw.slice(1) : raw)
  } catch {
    throw new AppError('invalid_json', `${what} is not valid JSON.`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('invalid_request', `${what} must be a JSON object.`)
  }
  return value as JsonObject
}

/** `"user_id"`, `"a.b"`, or null for the value itself. */
function pathOf(issue: v.BaseIssue<unknown>, root: string | null): string | null {
  const keys = (issue.path ?? []).map((item) => String(item.key))
  if (root !== null) keys.unshift(root)
  return keys.length > 0 ? keys.join('.') : null
}

/**
 * Validates `value` with a protocol schema and returns its typed output, or throws
 * `invalid_request` for the first issue: the message names the field path (`"text" must be at most
 * 4000 characters.`, `"user_id" is required.`) and `AppError.field` carries the path alone.
 * `root` names a value that is a field itself (a path parameter: "chat_id"); otherwise an issue
 * with no path is about `what` ("The request body must be ...").
 */
export function parseInput<const TSchema extends v.GenericSchema>(
  schema: TSchema,
  value: unknown,
  options: { root?: string; what?: string } = {},
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, value, { abortEarly: true })
  if (result.success) return result.output
  const issue = result.issues[0]
  const field = pathOf(issue, options.root ?? null)
  // A missing key is reported by the object schema itself; its message would describe the object.
  const missing = issue.path?.at(-1)?.origin === 'key'
  const message = missing ? 'is required.' : issue.message
  throw new AppError('invalid_request', field === null ? `${options.what ?? 'The request body'} ${message}` : `"${field}" ${message}`, field ?? undefined)
}
