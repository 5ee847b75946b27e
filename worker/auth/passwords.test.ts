import { describe, expect, it } from 'vitest'
import { DEFAULT_ARGON2_PARAMS, dummyHash, hashPassword, needsRehash, parseArgon2Params, verifyPassword } from './passwords'

const CHEAP = { m: 64, t: 1, p: 1 }

describe('hashPassword', () => {
  it('uses argon2id at OWASP minimums by default and records its parameters in a PHC string', () => {
    expect(DEFAULT_ARGON2_PARAMS).toEqual({ m: 19456, t: 2, p: 1 })
    const stored = hashPassword('correct horse battery staple')
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    expect(verifyPassword('correct horse battery staple', stored)).toBe(true)
    expect(verifyPassword('correct horse battery stapl', stored)).toBe(false)
  })

  it('salts every hash', () => {
    expect(hashPassword('same password', CHEAP)).not.toBe(hashPassword('same password', CHEAP))
  })

  it('treats canonically equivalent Unicode as the same password', () => {
    const stored = hashPassword('caf\u00e9-password', CHEAP)
    expect(verifyPassword('cafe\u0301-password', stored)).toBe(true)
  })
})

describe('verifyPassword', () => {
  it('refuses malformed or foreign hash strings instead of throwing', () => {
    for (const stored of ['', 'plaintext', '$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA', '$2b$12$abcdefghijklmnopqrstuv']) {
      expect(verifyPassword('anything', stored)).toBe(false)
    }
  })
})

describe('needsRehash', () => {
  it('asks for a rehash when the stored cost is below the current parameters', () => {
    const weak = hashPassword('pw', CHEAP)
    expect(needsRehash(weak, { m: 128, t: 1, p: 1 })).toBe(true)
    expect(needsRehash(weak, { m: 64, t: 2, p: 1 })).toBe(true)
    expect(needsRehash(weak, CHEAP)).toBe(false)
    expect(needsRehash('garbage', CHEAP)).toBe(true)
  })
})

describe('dummyHash', () => {
  it('is a valid hash at the given cost that no password matches', () => {
    const dummy = dummyHash(CHEAP)
    expect(dummy).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$/)
    expect(dummyHash(CHEAP)).toBe(dummy)
    expect(verifyPassword('', dummy)).toBe(false)
  })
})

describe('parseArgon2Params', () => {
  it('defaults to OWASP parameters and rejects malformed specs', () => {
    expect(parseArgon2Params(undefined)).toEqual(DEFAULT_ARGON2_PARAMS)
    expect(parseArgon2Params('m=64,t=1,p=1')).toEqual(CHEAP)
    expect(() => parseArgon2Params('m=64')).toThrow()
  })

  it.each([
    ['', DEFAULT_ARGON2_PARAMS],
    ['  ', DEFAULT_ARGON2_PARAMS],
    [' m=19456,t=2,p=1 ', DEFAULT_ARGON2_PARAMS],
    ['m=8,t=1,p=1', { m: 8, t: 1, p: 1 }],
    ['m=16,t=1,p=2', { m: 16, t: 1, p: 2 }],
    ['m=65536,t=10,p=4', { m: 65536, t: 10, p: 4 }],
  ])('accepts %j', (spec, params) => {
    expect(parseArgon2Params(spec)).toEqual(params)
  })

  it.each(['m=7,t=1,p=1', 'm=15,t=1,p=2', 'm=65537,t=1,p=1', 'm=64,t=11,p=1', 'm=64,t=0,p=1', 'm=64,t=1,p=0', 'm=-64,t=1,p=1', 'm=6.4,t=1,p=1'])(
    'refuses %j, a cost argon2id or an isolate cannot run',
    (spec) => {
      expect(() => parseArgon2Params(spec)).toThrow()
    },
  )
})
