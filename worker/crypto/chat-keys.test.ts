import { describe, expect, it } from 'vitest'
import { eq } from 'drizzle-orm'
import { chatKeys } from '../db/schema'
import { createGroup, signUp } from '../test/helpers'
import { db, keyringAt, keyringOf, keysSpec, wrapKeyUnder } from '../test/keys'
import { open, seal } from './aead'
import { chatDataKey, countKeysUnder, destroyChatKey, rewrapChatKeys } from './chat-keys'
import { chatKeyring } from './data-keys'
import { bytesToBase64, base64ToBytes } from './encoding'

function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => null,
    (err: unknown) => err,
  )
}

function keyRow(chatId: number) {
  return db.select().from(chatKeys).where(eq(chatKeys.chatId, chatId)).get()
}

/** Seals under one data key, opens under another: true when they are the same key. */
async function sameKey(a: CryptoKey, b: CryptoKey): Promise<boolean> {
  const sealed = await seal({ current: 0, keys: new Map([[0, a]]) }, 'probe', 'ctx')
  return (await open({ current: 0, keys: new Map([[0, b]]) }, sealed, 'ctx')) === 'probe'
}

describe('chatDataKey', () => {
  it('creates one key for a chat under concurrent first uses, wrapped under the current master version', async () => {
    const owner = await signUp('keyrace')
    const chatId = await createGroup(owner)
    const keyring = await keyringAt(2)
    const keys = await Promise.all(Array.from({ length: 8 }, () => chatDataKey(db, keyring, chatId)))
    for (const { key } of keys) expect(await sameKey(keys[0]!.key, key)).toBe(true)
    expect(keys.every((k) => k.wrappedBy === 2)).toBe(true)
    expect(await db.select().from(chatKeys).where(eq(chatKeys.chatId, chatId)).all()).toHaveLength(1)
    expect(keys[0]!.key.extractable).toBe(false)
  })

  it('refuses a chat that does not exist and stores nothing for it', async () => {
    const err = await rejectionOf(chatDataKey(db, await keyringAt(2), 987654))
    expect(err).toMatchObject({ code: 'not_found' })
    expect(await keyRow(987654)).toBeUndefined()
  })

  it('refuses a destroyed key and never creates another, also for a chat that had none', async () => {
    const owner = await signUp('destroy')
    const [used, unused] = [await createGroup(owner), await createGroup(owner)]
    const keyring = await keyringAt(2)
    await chatDataKey(db, keyring, used)
    await destroyChatKey(db, used)
    await destroyChatKey(db, unused)
    await destroyChatKey(db, used)
    for (const chatId of [used, unused]) {
      expect(await rejectionOf(chatDataKey(db, keyring, chatId))).toMatchObject({ code: 'not_found' })
      expect(await keyRow(chatId)).toMatchObject({ wrappedKey: null, destroyedAtMs: expect.any(Number) })
    }
  })

  const TAMPERED: [string, (row: { keyVersion: number; wrappedKey: string }, other: string) => { keyVersion: number; wrappedKey: string }][] = [
    ["another chat's wrapped key", (row, other) => ({ ...row, wrappedKey: other })],
    ['a relabelled master version', (row) => ({ ...row, keyVersion: 1 })],
    ['a master version not in MESSAGE_KEYS', (row) => ({ ...row, keyVersion: 7 })],
    ['a flipped byte', (row) => {
      const bytes = base64ToBytes(row.wrappedKey)!
      bytes[20]! ^= 1
      return { ...row, wrappedKey: bytesToBase64(bytes) }
    }],
    ['a truncated key', (row) => ({ ...row, wrappedKey: bytesToBase64(base64ToBytes(row.wrappedKey)!.slice(0, 40)) })],
    ['not base64', (row) => ({ ...row, wrappedKey: '*not base64*' })],
  ]

  it.each(TAMPERED)('fails closed (a plain error, no key) on %s', async (_, tamper) => {
    const owner = await signUp('tamper')
    const [chatId, otherId] = [await createGroup(owner), await createGroup(owner)]
    const keyring = await keyringAt(2)
    await chatDataKey(db, keyring, chatId)
    await chatDataKey(db, keyring, otherId)
    const row = (await keyRow(chatId))!
    const other = (await keyRow(otherId))!
    const changed = tamper({ keyVersion: row.keyVersion, wrappedKey: row.wrappedKey! }, other.wrappedKey!)
    await db.update(chatKeys).set(changed).where(eq(chatKeys.chatId, chatId))
    const err = await rejectionOf(chatDataKey(db, keyring, chatId))
    expect(err).toBeInstanceOf(Error)
    expect(err).not.toHaveProperty('code')
  })
})

describe('rewrapChatKeys', () => {
  it('re-wraps keys under older versions in bounded batches, resumable from its cursor or from 0, leaving the data keys unchanged', async () => {
    const owner = await signUp('rewrap')
    const chatIds: number[] = []
    for (let i = 0; i < 5; i++) chatIds.push(await createGroup(owner))
    const keyring = await keyringAt(2)
    for (const chatId of chatIds) await wrapKeyUnder(chatId, 1)
    const samples = await Promise.all(
      chatIds.map(async (chatId) => seal(chatKeyring((await chatDataKey(db, keyring, chatId)).key, keyring), `text of ${chatId}`, `chat=${chatId}`)),
    )
    const start = chatIds[0]! - 1
    const v1Before = (await countKeysUnder(db, 2)).v1 ?? 0
    for (const chatId of chatIds) expect(await keyRow(chatId)).toMatchObject({ keyVersion: 1 })

    const first = await rewrapChatKeys(db, keyring, start, 2)
    expect(first).toEqual({ rewrapped: 2, unreadable: [], nextAfter: chatIds[1], done: false })
    // Interrupted and started again from the beginning: the two done are not selected again.
    const again = await rewrapChatKeys(db, keyring, start, 2)
    expect(again).toEqual({ rewrapped: 2, unreadable: [], nextAfter: chatIds[3], done: false })
    const last = await rewrapChatKeys(db, keyring, again.nextAfter, 2)
    expect(last).toEqual({ rewrapped: 1, unreadable: [], nextAfter: chatIds[4], done: true })
    expect(await rewrapChatKeys(db, keyring, start, 2)).toMatchObject({ rewrapped: 0, done: true })
    expect((await countKeysUnder(db, 2)).v1 ?? 0).toBe(v1Before - 5)
    for (const chatId of chatIds) expect(await keyRow(chatId)).toMatchObject({ keyVersion: 2 })

    // v1 removed from MESSAGE_KEYS: every key still unwraps, and it is the same key as before.
    const withoutV1 = await keyringOf(keysSpec([2]))
    for (const [i, chatId] of chatIds.entries()) {
      const { key, wrappedBy } = await chatDataKey(db, withoutV1, chatId)
      expect(wrappedBy).toBe(2)
      expect(await open(chatKeyring(key, withoutV1), samples[i]!, `chat=${chatId}`)).toBe(`text of ${chatId}`)
    }
  })

  it('reports a key that does not unwrap and moves past it', async () => {
    const owner = await signUp('rewrapbad')
    const [bad, good] = [await createGroup(owner), await createGroup(owner)]
    await wrapKeyUnder(bad, 1)
    await wrapKeyUnder(good, 1)
    const other = (await keyRow(good))!.wrappedKey!
    await db.update(chatKeys).set({ wrappedKey: other }).where(eq(chatKeys.chatId, bad))
    const step = await rewrapChatKeys(db, await keyringAt(2), bad - 1, 10)
    expect(step).toMatchObject({ rewrapped: 1, unreadable: [bad], done: true })
    expect(await keyRow(bad)).toMatchObject({ keyVersion: 1, wrappedKey: other })
  })
})
