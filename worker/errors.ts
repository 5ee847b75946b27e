import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '../protocol/errors'

/**
 * A refusal the caller can act on. Its code decides the HTTP status (protocol/errors.ts) or the
 * error frame; `field` names the input at fault (`"text"`, `"user_id"`) when there is one.
 * Outside `http/` so room code can throw it without importing the HTTP layer.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message)
    this.name = 'AppError'
  }

  get status() {
    return ERROR_STATUS[this.code]
  }
}

/** The one error body, `{ error: { code, message, field? } }` (docs/protocol.md). */
export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } }
}

/** A plain Response with the error body and the code's status, for code outside Hono (the room's fetch). */
export function errorResponse(code: ErrorCode, message: string, headers?: HeadersInit): Response {
  return Response.json(errorBody(code, message), { status: ERROR_STATUS[code], headers })
}
