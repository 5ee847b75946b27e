import { describe, expect, it } from 'vitest'
import { initial } from './chat-list'

describe('initial', () => {
  it.each([
    ['team', 'T'],
    ['  ann', 'A'],
    ['😀 party', '😀'],
    ['\u202Eexe.pdf', 'E'],
    ['\u200B\u2068zoe', 'Z'],
    ['سارة', 'س'],
    ['', '?'],
    ['\u202E ', '?'],
    ['\u2800Team', 'T'],
    ['\u3164\u{1D159}ann', 'A'],
  ])('shows one whole, visible character for %j', (name, expected) => {
    expect(initial(name)).toBe(expected)
  })
})
