import { describe, expect, it } from 'vitest'
import { formatClockTime, formatDay, formatMessageTime } from './time'

// Local-time constructors: the rules are about the viewer's own day, whatever the machine's zone.
const at = (...parts: [number, number, number?, number?, number?]) => new Date(...parts).getTime()
const now = at(2026, 10, 25, 15, 30)
const iso = (ms: number) => new Date(ms).toISOString()

describe('formatMessageTime', () => {
  it.each([
    ['under a minute', iso(now - 20_000), /^just now$/],
    ['minutes within today', iso(now - 5 * 60_000), /^5 min ago$/],
    ['hours within today', iso(at(2026, 10, 25, 12, 0)), /^3 h ago$/],
    ['an earlier day this year', iso(at(2026, 10, 24, 23, 50)), /^Nov 24, 11:50\sPM$/],
    ['an earlier year', iso(at(2025, 0, 2, 9, 0)), /^Jan 2, 2025$/],
    ['an invalid date', 'nope', /^$/],
  ])('formats %s', (_case, input, expected) => {
    expect(formatMessageTime(input, now, 'en-US')).toMatch(expected)
  })
})

describe('formatDay', () => {
  it.each([
    ['today', iso(at(2026, 10, 25, 0, 5)), /^Today$/],
    ['yesterday', iso(at(2026, 10, 24, 23, 59)), /^Yesterday$/],
    ['yesterday across a month', iso(at(2026, 9, 31, 12, 0)), /^Saturday, Oct 31$/],
    ['an earlier day this year', iso(at(2026, 10, 20, 9, 0)), /^Friday, Nov 20$/],
    ['an earlier year', iso(at(2025, 11, 31, 9, 0)), /^Dec 31, 2025$/],
    ['an invalid date', 'nope', /^$/],
  ])('labels %s', (_case, input, expected) => {
    expect(formatDay(input, now, 'en-US')).toMatch(expected)
  })

  it('formats the time of day alone', () => {
    expect(formatClockTime(iso(at(2026, 10, 24, 9, 5)), 'en-GB')).toBe('09:05')
  })
})
