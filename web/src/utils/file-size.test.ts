import { describe, expect, it } from 'vitest'
import { formatBytes } from './file-size'

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1024, '1 KB'],
    [1536, '1.5 KB'],
    [10 * 1024 - 52, '9.9 KB'],
    [10 * 1024 - 51, '10 KB'],
    [1024 * 1023.6, '1 MB'],
    [10 * 1024 * 1024, '10 MB'],
    [10 * 1024 * 1024 + 1, '10 MB'],
    [2.34 * 1024 ** 3, '2.3 GB'],
    [5000 * 1024 ** 3, '5,000 GB'],
  ])('%d bytes reads %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text)
  })
})
