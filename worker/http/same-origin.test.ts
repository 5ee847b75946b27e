import { describe, expect, it } from 'vitest'
import { parseAllowedOrigins } from '../config'
import { isAllowedOrigin } from './same-origin'

describe('parseAllowedOrigins', () => {
  it.each([
    [undefined, []],
    ['', []],
    [' , ', []],
    ['https://chat.example', ['https://chat.example']],
    [' https://a.example ,http://localhost:5173,', ['https://a.example', 'http://localhost:5173']],
    ['https://chat.example:8443', ['https://chat.example:8443']],
    ['http://[::1]:8787', ['http://[::1]:8787']],
  ])('parses %j', (spec, origins) => {
    expect(parseAllowedOrigins(spec)).toEqual(origins)
  })

  it('names a bad entry by position only', () => {
    expect(() => parseAllowedOrigins('https://ok.example,bad-entry.example')).toThrow(/^entry 2 /)
    expect(() => parseAllowedOrigins('https://ok.example,bad-entry.example')).not.toThrow(/bad-entry/)
  })
})

describe('isAllowedOrigin', () => {
  const allowed = ['https://a.example']
  it.each([
    [undefined, true],
    ['https://chat.test', true],
    ['https://a.example', true],
    ['https://b.example', false],
    ['https://a.example.evil.test', false],
    ['http://chat.test', false],
    ['null', false],
  ])('answers %j with %s', (origin, expected) => {
    expect(isAllowedOrigin(origin, 'https://chat.test/login/', allowed)).toBe(expected)
  })
})
