import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/errors'
import { describeUploadError } from './uploads'

describe('describeUploadError', () => {
  it.each([
    [new ApiError('payload_too_large', '', 413), 'This file is too large to send.'],
    [new ApiError('file_empty', '', 400), 'This file is empty.'],
    [new ApiError('file_type_not_allowed', '', 415), "Files of this type can't be sent."],
    [new ApiError('invalid_request', 'Name must not contain control characters.', 400), 'Name must not contain control characters.'],
    [new ApiError('not_member', '', 403), "You're not a member of this chat."],
    [new ApiError('rate_limited', '', 429), "You're going a little fast. Wait a moment and try again."],
    [new ApiError('network', ''), "Can't reach the server. Check your connection and try again."],
  ])('%s', (err, sentence) => {
    expect(describeUploadError(err)).toBe(sentence)
  })
})
