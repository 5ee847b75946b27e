/**
 * Every refusal, over HTTP or a socket, carries one of these codes. Clients switch on the code,
 * never on the message text.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  /** A group-only action (settings, transfer, delete, invites) asked of a 1:1 chat. */
  not_group: 400,
  invalid_json: 400,
  /** An attachment upload with an empty body. */
  file_empty: 400,
  /** A username mixing writing systems beyond UTS #39 "Highly Restrictive" (e.g. Latin with Cyrillic). */
  username_mixed_script: 400,
  missing_token: 401,
  invalid_token: 401,
  token_expired: 401,
  /** The access token's session was revoked (sign-out, a password change, a session ended from another device) or its account deleted. */
  session_revoked: 401,
  invalid_credentials: 401,
  forbidden: 403,
  cross_origin: 403,
  not_member: 403,
  not_found: 404,
  method_not_allowed: 405,
  email_taken: 409,
  username_taken: 409,
  /** The username's UTS #39 confusable skeleton matches a taken one ("аdmin" with a Cyrillic "а"). */
  username_confusable: 409,
  /** An upload without Content-Length: the stored object's length must be known before its first byte. */
  length_required: 411,
  /** A message already carries MAX_REACTIONS_PER_MESSAGE distinct emoji; a new one is refused. */
  too_many_reactions: 409,
  /** An invite link past its `expires_at`. */
  invite_expired: 410,
  /** An invite link already used `max_uses` times. */
  invite_exhausted: 410,
  /** An invite link an owner or admin revoked. */
  invite_revoked: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** An attachment whose bytes are an executable or no type on the list (docs/protocol.md#attachments). */
  file_type_not_allowed: 415,
  rate_limited: 429,
  internal: 500,
  server_misconfigured: 500,
  unavailable: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

/**
 * The one error body: `{ "error": { "code", "message" } }`. `field` is set on `invalid_request`
 * when one input field is at fault: its path in the body, query or frame (`"text"`, `"user_id"`).
 */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value)
}
