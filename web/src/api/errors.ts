import { isErrorCode, type ErrorCode } from '../../../protocol'

/** `network` is ours: the request never got an answer. */
export type ClientErrorCode = ErrorCode | 'network'

export class ApiError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly status = 0,
  ) {
    super(message)
  }
}

/** Turns a non-2xx response into an ApiError, whatever its body looks like. */
export async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    // A proxy or a crash page: not our error shape.
  }
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown }
    if (isErrorCode(code)) return new ApiError(code, typeof message === 'string' ? message : '', res.status)
  }
  return new ApiError(res.status >= 500 ? 'internal' : 'invalid_request', '', res.status)
}

const HUMAN: Partial<Record<ClientErrorCode, string>> = {
  network: "Can't reach the server. Check your connection and try again.",
  invalid_credentials: "That email and password don't match an account.",
  email_taken: 'An account with this email already exists. Try signing in instead.',
  username_taken: 'That username is taken. Try another one.',
  username_confusable: 'That username looks too much like one that is taken. Try another one.',
  username_mixed_script: 'Use letters from one writing system in your username (for example, not Latin and Cyrillic together).',
  missing_token: 'Your session has ended. Please sign in again.',
  invalid_token: 'Your session has ended. Please sign in again.',
  token_expired: 'Your session has ended. Please sign in again.',
  session_revoked: 'Your session has ended. Please sign in again.',
  forbidden: "You don't have permission to do that.",
  not_member: "You're not a member of this chat.",
  not_found: "That doesn't exist (any more).",
  payload_too_large: 'That is too long to send.',
  too_many_reactions: 'This message already has as many different reactions as it can hold.',
  rate_limited: "You're going a little fast. Wait a moment and try again.",
  cross_origin: 'This request was blocked for your safety. Reload the page and try again.',
  unavailable: 'The service is busy right now. Try again in a moment.',
}

/** A sentence a person can act on; never raw JSON or a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    // Validation messages are written for people by the server (e.g. the password length rule).
    if (err.code === 'invalid_request' && err.message) return err.message
    return HUMAN[err.code] ?? 'Something went wrong on our side. Please try again.'
  }
  return 'Something went wrong. Please try again.'
}
