import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { importTs } from './import-ts.mjs'

const { formatMessageTime } = await importTs('../src/utils/time.ts')
// Local-time constructors: the rules are about the viewer's own day, whatever the machine's zone.
const at = (...parts) => new Date(...parts).getTime()
const now = at(2026, 10, 25, 15, 30)

describe('formatMessageTime', () => {
  it('says "just now" under a minute', () => {
    assert.equal(formatMessageTime(new Date(now - 20_000).toISOString(), now, 'en-US'), 'just now')
  })

  it('counts minutes, then hours, within today', () => {
    assert.equal(formatMessageTime(new Date(now - 5 * 60_000).toISOString(), now, 'en-US'), '5 min ago')
    assert.equal(formatMessageTime(new Date(at(2026, 10, 25, 12, 0)).toISOString(), now, 'en-US'), '3 h ago')
  })

  it('shows a date and time for an earlier day this year', () => {
    const text = formatMessageTime(new Date(at(2026, 10, 24, 23, 50)).toISOString(), now, 'en-US')
    assert.match(text, /^Nov 24, 11:50\sPM$/)
  })

  it('shows the year for earlier years', () => {
    assert.equal(formatMessageTime(new Date(at(2025, 0, 2, 9, 0)).toISOString(), now, 'en-US'), 'Jan 2, 2025')
  })

  it('returns an empty string for an invalid date', () => {
    assert.equal(formatMessageTime('nope', now, 'en-US'), '')
  })
})
