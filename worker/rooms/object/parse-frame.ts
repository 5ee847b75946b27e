import * as v from 'valibot'
import { ClientId } from '../../../protocol/fields'
import { ClientFrameSchema, type ParsedFrame } from '../../../protocol/frames'
import { AppError } from '../../errors'
import { parseInput, parseJsonObject } from '../../input'

export type { ParsedFrame }

/** Frames whose `client_id` is echoed in their error frame. */
const ACTIONS = new Set<unknown>(['send', 'edit', 'delete', 'react'])

/** A refused `send`, `edit`, `delete` or `react` whose client_id was valid, so the error frame can name the frame it refers to. */
export class SendRefused extends AppError {
  constructor(
    cause: AppError,
    readonly clientId: string,
  ) {
    super(cause.code, cause.message, cause.field)
  }
}

/**
 * Validates one text frame with ClientFrameSchema (protocol/frames.ts); the seed's `{ message }`
 * comes out as a `send` without client_id. Throws `invalid_json`, or `invalid_request` naming the
 * field (or for a literal U+FFFD: malformed UTF-8 as workerd hands it over); a refused `send`, `edit`,
 * `delete` or `react` that carried a valid client_id throws SendRefused.
 */
export function parseClientFrame(raw: string): ParsedFrame {
  const frame = parseJsonObject(raw, 'The frame')
  // Without `type` the frame falls to the seed's `{ message }`, whose complaint would be about `message`.
  if (!('type' in frame) && !('message' in frame)) throw new AppError('invalid_request', '"type" is required.', 'type')
  try {
    // workerd decodes a text frame's malformed UTF-8 to U+FFFD rather than failing the connection
    // with 1007 as RFC 6455 §8.1 asks (seen on 1.20260426.1; web/e2e/text.test.mjs), so a literal
    // U+FFFD is the only trace of it. A client that means U+FFFD can send JSON's "\ufffd" escape.
    if (raw.includes('\uFFFD')) throw new AppError('invalid_request', 'The frame is not valid UTF-8.')
    return parseInput(ClientFrameSchema, frame, { what: 'The frame' })
  } catch (err) {
    if (err instanceof AppError && ACTIONS.has(frame.type) && v.is(ClientId, frame.client_id)) throw new SendRefused(err, frame.client_id)
    throw err
  }
}
