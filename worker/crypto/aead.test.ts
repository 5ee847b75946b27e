import { describe, expect, it } from 'vitest'
import { open, seal } from './aead'
import { importKeyring, type RawKey } from './keys'

function rawKey(version: number): RawKey {
  return { version, bytes: crypto.getRandomValues(new Uint8Array(32)) }
}

describe('seal / open', () => {
  it('round-trips text under the same context', async () => {
    const keyring = await importKeyring([rawKey(1)])
    const sealed = await seal(keyring, 'héllo 👋', 'chat=1|seq=1')
    expect(sealed.keyVersion).toBe(1)
    expect(sealed.iv.byteLength).toBe(12)
    expect(await open(keyring, sealed, 'chat=1|seq=1')).toBe('héllo 👋')
  })

  it('uses a fresh IV for every encryption', async () => {
    const keyring = await importKeyring([rawKey(1)])
    const a = await seal(keyring, 'same', 'ctx')
    const b = await seal(keyring, 'same', 'ctx')
    expect(new Uint8Array(a.iv)).not.toEqual(new Uint8Array(b.iv))
    expect(new Uint8Array(a.ciphertext)).not.toEqual(new Uint8Array(b.ciphertext))
  })

  it('returns null under another context, a tampered ciphertext or a relabelled key version', async () => {
    const keyring = await importKeyring([rawKey(2), rawKey(1)])
    const sealed = await seal(keyring, 'secret', 'chat=1|seq=1')
    expect(await open(keyring, sealed, 'chat=1|seq=2')).toBeNull()
    expect(await open(keyring, sealed, 'chat=2|seq=1')).toBeNull()
    const flipped = new Uint8Array(sealed.ciphertext.slice(0))
    flipped[0]! ^= 1
    expect(await open(keyring, { ...sealed, ciphertext: flipped.buffer }, 'chat=1|seq=1')).toBeNull()
    expect(await open(keyring, { ...sealed, keyVersion: 1 }, 'chat=1|seq=1')).toBeNull()
    expect(await open(keyring, { ...sealed, keyVersion: 9 }, 'chat=1|seq=1')).toBeNull()
  })

  it('still opens old ciphertexts after a new key is added', async () => {
    const v1 = rawKey(1)
    const before = await importKeyring([v1])
    const sealed = await seal(before, 'old message', 'ctx')
    const after = await importKeyring([rawKey(2), v1])
    expect(await open(after, sealed, 'ctx')).toBe('old message')
    expect((await seal(after, 'new', 'ctx')).keyVersion).toBe(2)
  })
})
