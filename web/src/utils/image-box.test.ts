import { describe, expect, it } from 'vitest'
import { PREVIEW_UNKNOWN, previewBox } from './image-box'

describe('previewBox', () => {
  it.each([
    ['small, kept as is', 120, 80, { width: 120, height: 80 }],
    ['exactly the limit', 280, 280, { width: 280, height: 280 }],
    ['wide, scaled by width', 1600, 900, { width: 280, height: 158 }],
    ['tall, scaled by height', 900, 1600, { width: 158, height: 280 }],
    ['a banner keeps at least 1 px', 100_000, 10, { width: 280, height: 1 }],
    ['one pixel', 1, 1, { width: 1, height: 1 }],
    ['unknown width', null, 300, PREVIEW_UNKNOWN],
    ['unknown height', 300, null, PREVIEW_UNKNOWN],
    ['zero', 0, 300, PREVIEW_UNKNOWN],
  ])('%s (%s x %s)', (_name, width, height, box) => {
    expect(previewBox(width, height)).toEqual(box)
  })
})
