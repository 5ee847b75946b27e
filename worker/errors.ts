import { ERROR_STATUS, type ErrorCode } from '../protocol/errors'

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
