import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ERROR_STATUS, type ErrorCode } from '../../protocol/errors'
import type { AppEnv } from '../env'
import { AppError, errorBody } from '../errors'
import { errorFields, log } from '../log'
import { requestFields } from './log-requests'


const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'invalid_request',
  401: 'invalid_token',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
}

/** app.onError: AppError and Hono's HTTPException become the error body; anything else is a logged 500 with no detail. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof AppError) return c.json(errorBody(err.code, err.message, err.field), err.status)
  if (err instanceof HTTPException) {
    const code = HTTP_STATUS_CODES[err.status] ?? 'internal'
    const message = code === 'payload_too_large' ? 'The request body is too large.' : err.message || code
    return c.json(errorBody(code, message), ERROR_STATUS[code])
  }
  // Only the name and message: a stack or the error object could carry request data (tokens, passwords).
  log.error('unhandled_error', { ...requestFields(c), ...errorFields(err) })
  return c.json(errorBody('internal', 'Something went wrong on our side.'), 500)
}
