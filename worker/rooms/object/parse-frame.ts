import * as v from 'valibot'
import { ClientId } from '../../../protocol/fields'
import { ClientFrameSchema, type ParsedFrame } from '../../../protocol/frames'
import { AppError } from '../../errors'
import { parseInput, parseJsonObject } from '../../input'

export type { ParsedFrame }

/** A refused `send` whose client_id was valid, so the error frame can name the message it refers to. */
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
 * field; a refused `send` that carried a valid client_id throws SendRefused.
 */
export function parseClientFrame(raw: string): ParsedFrame {
  const frame = parseJsonObject(raw, 'The frame')
  // Without `type` the frame falls to the seed's `{ message }`, whose complaint would be about `message`.
  if (!('type' in frame) && !('message' in frame)) throw new AppError('invalid_request', '"type" is required.', 'type')
  try {
    return parseInput(ClientFrameSchema, frame, { what: 'The frame' })
  } catch (err) {
    if (err instanceof AppError && frame.type === 'send' && v.is(ClientId, frame.client_id)) throw new SendRefused(err, frame.client_id)
    throw err
  }
}
