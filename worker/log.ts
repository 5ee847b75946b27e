import { DrizzleQueryError } from 'drizzle-orm/errors'

/**
 * One JSON object per line, so Workers Logs and `wrangler tail` can filter on fields. The usual
 * fields are `request_id`, `route` (Hono's pattern, e.g. `/chat/:id/send/`, never the raw URL, whose
 * query may hold `?token=`), `status`, `duration_ms`, `user_id`, `chat_id`.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>

export type LogLevel = 'info' | 'warn' | 'error'

/** Written in place of a value whose field name says it may be a credential or a member's words. */
export const REDACTED = '[redacted]'

// Whole words of a field name (snake_case or camelCase): `access_token`, `refreshToken`, `passwordHash`,
// `message_text`, `Set-Cookie`. Values are flat (no objects), so nothing can hide one level down.
const SENSITIVE_WORDS = new Set(['token', 'password', 'text', 'message', 'authorization', 'cookie', 'secret'])

function isSensitive(name: string): boolean {
  let sensitive = sensitiveNames.get(name)
  if (sensitive === undefined) {
    sensitive = name
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .some((word) => SENSITIVE_WORDS.has(word))
    // Field names are the code's own, a few dozen: the answer is kept rather than worked out again
    // for every line (the request line, one per socket upgrade, was ~1 % of an upgrade burst).
    if (sensitiveNames.size < 1000) sensitiveNames.set(name, sensitive)
  }
  return sensitive
}
const sensitiveNames = new Map<string, boolean>()

// Credentials that can sit inside any string value (an error's message quoting a URL or a header):
// `?token=`/`&access_token=` query values (socket URLs carry the access token there, since browsers
// cannot set headers on a WebSocket), `Bearer <token>`, and anything shaped like a JWT (RFC 7519 §3).
const SENSITIVE_IN_VALUES: readonly [RegExp, string][] = [
  [/([?&](?:[a-z_]*_)?token=)[^&#\s"']*/gi, `$1${REDACTED}`],
  [/(bearer\s+)[^\s,"']+/gi, `$1${REDACTED}`],
  [/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, REDACTED],
]

/** `value` with every credential SENSITIVE_IN_VALUES recognises replaced by REDACTED. */
export function redactValue(value: string): string {
  return SENSITIVE_IN_VALUES.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), value)
}

/**
 * The line `log[level](event, fields)` writes: level and event first, undefined fields left out, a
 * field whose name says it is sensitive written as REDACTED, and credentials inside other string
 * values redacted in place.
 */
export function formatLine(level: LogLevel, event: string, fields: LogFields = {}): string {
  const line: LogFields = { level, event }
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || name === 'level' || name === 'event') continue
    line[name] = isSensitive(name) ? REDACTED : typeof value === 'string' ? redactValue(value) : value
  }
  return JSON.stringify(line)
}

// console.error/warn keep the platform's own level in Workers Logs in step with the `level` field.
export const log = {
  info: (event: string, fields?: LogFields) => console.log(formatLine('info', event, fields)),
  warn: (event: string, fields?: LogFields) => console.warn(formatLine('warn', event, fields)),
  error: (event: string, fields?: LogFields) => console.error(formatLine('error', event, fields)),
}

/**
 * Name and message of a thrown value, never its stack or the object (either can carry request data).
 * For a failed drizzle query, those of the driver's error instead: drizzle (0.45, `DrizzleQueryError`
 * in `drizzle-orm/errors`) wraps every failure as `Failed query: <sql> params: <values>`, so its own
 * message carries the bound values (emails, usernames, password hashes) and hides the actual reason.
 */
export function errorFields(err: unknown): LogFields {
  if (!(err instanceof Error)) return { error: 'unknown' }
  const cause = isDrizzleQueryError(err) ? err.cause : err
  if (!(cause instanceof Error)) return { error: err.name, reason: 'query failed (no driver error)' }
  return { error: cause.name, reason: cause.message }
}

// The message prefix as well as the class: a bundle may carry two copies of drizzle (D1 and libSQL
// entry points share one today), and the prefix is what leaks.
function isDrizzleQueryError(err: Error): boolean {
  return err instanceof DrizzleQueryError || err.message.startsWith('Failed query:')
}
