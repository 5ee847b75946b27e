import { beforeEach, describe, expect, it } from 'vitest'
import { clearPresence, describePresence, notePresence, presence, presenceOf } from './presence'

const at = (...parts: [number, number, number?, number?, number?]) => new Date(...parts).getTime()
const now = at(2026, 10, 25, 15, 30)
const iso = (ms: number) => new Date(ms).toISOString()

describe('describePresence', () => {
  it.each([
    ['online', { online: true, last_seen_at: iso(now - 3_600_000) }, /^online$/],
    ['offline a moment ago', { online: false, last_seen_at: iso(now - 20_000) }, /^last seen just now$/],
    ['offline 5 minutes', { online: false, last_seen_at: iso(now - 5 * 60_000) }, /^last seen 5 min ago$/],
    ['offline since this morning', { online: false, last_seen_at: iso(at(2026, 10, 25, 12, 0)) }, /^last seen 3 h ago$/],
    ['offline since yesterday', { online: false, last_seen_at: iso(at(2026, 10, 24, 23, 50)) }, /^last seen Nov 24, 11:50\sPM$/],
    ['offline since last year', { online: false, last_seen_at: iso(at(2025, 0, 2, 9, 0)) }, /^last seen Jan 2, 2025$/],
    ['never seen', { online: false, last_seen_at: null }, /^$/],
    ['an unreadable time', { online: false, last_seen_at: 'nope' }, /^$/],
    ['unknown', null, /^$/],
  ])('%s', (_case, body, expected) => {
    expect(describePresence(body, now, 'en-US')).toMatch(expected)
  })

  it('ages as the clock moves on', () => {
    const body = { online: false, last_seen_at: iso(now) }
    expect(describePresence(body, now + 2 * 60_000, 'en-US')).toBe('last seen 2 min ago')
    expect(describePresence(body, now + 7 * 60_000, 'en-US')).toBe('last seen 7 min ago')
  })
})

describe('presenceOf', () => {
  beforeEach(clearPresence)

  it('prefers the channel report to the REST row, and falls back to the row', () => {
    const row = { online: false, last_seen_at: '2026-11-25T10:00:00.000Z' }
    expect(presenceOf(7, row)).toEqual(row)
    notePresence(7, { online: true, last_seen_at: null })
    expect(presenceOf(7, row)).toEqual({ online: true, last_seen_at: null })
    clearPresence()
    expect(presenceOf(7, row)).toEqual(row)
  })

  it('knows nothing of a row without presence fields', () => {
    expect(presenceOf(8, null)).toBeNull()
    expect(presenceOf(8, { userid: 8 } as never)).toBeNull()
  })

  it('leaves the signal alone for a repeated report, so views do not render again', () => {
    notePresence(7, { online: true, last_seen_at: null })
    const before = presence.value
    notePresence(7, { online: true, last_seen_at: null })
    expect(presence.value).toBe(before)
  })
})
