import { describe, expect, it } from 'vitest'
import { addStep, planRewrap, readDevVar, safeToRemove } from './keys-rewrap.mjs'

const TOKEN = 'dG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4='

describe('planRewrap', () => {
  it.each([
    ['local, default port', { env: 'local', shellToken: TOKEN }, 'http://127.0.0.1:8787/admin/keys/rewrap/'],
    ['local, PORT', { env: 'local', shellToken: TOKEN, port: '8790' }, 'http://127.0.0.1:8790/admin/keys/rewrap/'],
    ['local, token from .dev.vars', { env: 'local', devVars: `JWT_SECRET="x"\nADMIN_TOKEN="${TOKEN}"\n` }, 'http://127.0.0.1:8787/admin/keys/rewrap/'],
    ['production, its route', { env: 'production', shellToken: TOKEN, config: { routes: [{ pattern: 'chat.acme.dev', custom_domain: true }] } }, 'https://chat.acme.dev/admin/keys/rewrap/'],
    ['staging, --url wins', { env: 'staging', shellToken: TOKEN, url: 'https://x.acme.dev', config: { routes: ['staging.example.com/*'] } }, 'https://x.acme.dev/admin/keys/rewrap/'],
  ])('calls the right worker: %s', (_, input, url) => {
    const plan = planRewrap(input)
    expect(plan).toEqual({ url, token: TOKEN, problems: [] })
  })

  it.each([
    ['no token for a deployed environment', { env: 'production', config: { routes: ['chat.acme.dev'] }, devVars: `ADMIN_TOKEN="${TOKEN}"` }, /ADMIN_TOKEN in the shell/],
    ['no token locally', { env: 'local', devVars: 'JWT_SECRET="x"' }, /\.dev\.vars/],
    ['a placeholder route', { env: 'staging', shellToken: TOKEN, config: { routes: [{ pattern: 'staging.chat.example.com' }] } }, /placeholder/],
    ['no route', { env: 'staging', shellToken: TOKEN, config: { routes: [] } }, /no route/],
  ])('refuses with %s', (_, input, problem) => {
    expect(planRewrap(input).problems.join('\n')).toMatch(problem)
  })
})

describe('readDevVar', () => {
  it.each([
    ['ADMIN_TOKEN="abc"', 'abc'],
    ['ADMIN_TOKEN=abc', 'abc'],
    ['X=1\nADMIN_TOKEN = "abc"\nY=2', 'abc'],
    ['NOT_ADMIN_TOKEN="abc"', null],
    ['', null],
  ])('reads %j', (text, value) => expect(readDevVar(text, 'ADMIN_TOKEN')).toBe(value))
})

describe('safeToRemove', () => {
  const report = (over = {}) => ({
    master_version: 2,
    keys: { rewrapped: 1, unreadable: [], next_after: 3, done: true },
    rooms: { visited: 3, resealed: 4, still_old: 0, stuck: [], failed: [], next_after: 3, done: true },
    keys_not_current: {},
    done: true,
    ...over,
  })
  const totals = () => ({ steps: 0, keysRewrapped: 0, messagesResealed: 0, stillOld: 0, unreadableKeys: [], stuckRooms: [], failedRooms: [], keysNotCurrent: {}, masterVersion: null })

  it('is true only when no key, room or message is left under an older version', () => {
    expect(safeToRemove(addStep(totals(), report()))).toBe(true)
    expect(safeToRemove(addStep(totals(), report({ keys_not_current: { v1: 2 } })))).toBe(false)
    expect(safeToRemove(addStep(totals(), report({ keys: { rewrapped: 0, unreadable: [7], next_after: 7, done: true } })))).toBe(false)
    expect(safeToRemove(addStep(totals(), report({ rooms: { visited: 1, resealed: 0, still_old: 2, stuck: [4], failed: [], next_after: 4, done: true } })))).toBe(false)
    expect(safeToRemove(addStep(totals(), report({ rooms: { visited: 1, resealed: 0, still_old: 0, stuck: [], failed: [5], next_after: 5, done: true } })))).toBe(false)
  })
})
