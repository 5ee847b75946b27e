import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { CLOSE_CODES } from '../../../protocol/socket'
import { deleteGroup, eraseGroup } from '../../chats/delete'
import { open, type Sealed } from '../../crypto/aead'
import { chatDataKey, rewrapChatKeys } from '../../crypto/chat-keys'
import { chatKeyring, unwrapDataKeyBytes, importDataKey } from '../../crypto/data-keys'
import type { Keyring } from '../../crypto/keys'
import { shredChat } from '../../keys/shred'
import { messageContext } from '../../rooms/object/log/seal'
import type { Env } from '../../env'
import { addToGroup, api, authed, createGroup, historyMessages, lastSeqOf, openSocket, sendMessage, signUp, type TestUser } from '../helpers'
import { db, keyringOf, roomOf, writeLegacyMessages } from '../keys'

type Row = { seq: number; key_version: number; iv: ArrayBuffer; ciphertext: ArrayBuffer }
type KeyRow = { chat_id: number; key_version: number; wrapped_key: string | null }

/** A copy of the room's storage, as a snapshot or point-in-time restore would hold it. */
function copyRoomRows(chatId: number): Promise<Row[]> {
  return runInDurableObject(roomOf(chatId), (_instance, state) =>
    state.storage.sql
      .exec<Row>('SELECT seq, key_version, iv, ciphertext FROM messages ORDER BY seq')
      .toArray()
      .map((r) => ({ ...r, iv: r.iv.slice(0), ciphertext: r.ciphertext.slice(0) })),
  )
}

async function openAll(keyring: Keyring, chatId: number, rows: Row[]): Promise<(string | null)[]> {
  return Promise.all(rows.map((r) => open(keyring, { keyVersion: r.key_version, iv: r.iv, ciphertext: r.ciphertext } satisfies Sealed, messageContext(chatId, r.seq))))
}

/** Every key the system holds now: each MESSAGE_KEYS version, and each data key still in D1, unwrapped. */
async function keysHeld(master: Keyring): Promise<CryptoKey[]> {
  const rows = (await env.DB.prepare('SELECT chat_id, key_version, wrapped_key FROM chat_keys').all<KeyRow>()).results
  const dataKeys: CryptoKey[] = []
  for (const row of rows) {
    if (row.wrapped_key === null) continue
    const bytes = await unwrapDataKeyBytes(master, row.chat_id, { keyVersion: row.key_version, wrappedKey: row.wrapped_key })
    if (bytes) dataKeys.push(await importDataKey(bytes))
  }
  return [...master.keys.values(), ...dataKeys]
}

describe('crypto-shredding a group', () => {
  it('leaves a copy of the room storage taken before deletion undecryptable by any key the system holds', async () => {
    const [owner, member] = await Promise.all([signUp('shred'), signUp('shred')])
    const chatId = await createGroup(owner)
    await addToGroup(chatId, owner, member)
    // The copy holds the group's system messages too (their events name members): shredded alike.
    const base = await lastSeqOf(chatId)
    const texts = ['first secret', 'second secret', 'third secret']
    for (const text of texts) await sendMessage(chatId, owner, text)
    const socket = await openSocket(chatId, member.accessToken)
    await socket.waitFor((f) => f.type === 'ready')

    const roomCopy = await copyRoomRows(chatId)
    const keyCopy = (await env.DB.prepare('SELECT chat_id, key_version, wrapped_key FROM chat_keys WHERE chat_id = ?').bind(chatId).first<KeyRow>())!
    const master = await keyringOf(env.MESSAGE_KEYS)
    const none = roomCopy.map(() => null)
    expect(roomCopy.map((r) => r.key_version)).toEqual(Array(base + texts.length).fill(0))
    // Before: the system's keys read the copy, system messages and texts.
    const opened = await openAll(chatKeyring((await chatDataKey(db, master, chatId)).key, master), chatId, roomCopy)
    expect(opened).not.toContain(null)
    expect(opened.slice(base)).toEqual(texts)

    expect(await shredChat(db, env.CHAT_ROOM, chatId)).toBe(1)
    expect(await socket.closed).toBe(CLOSE_CODES.chatDeleted)

    // After: no key the system holds, tried as any version, opens any copied row.
    for (const key of await keysHeld(master)) {
      for (const version of [0, ...master.keys.keys()]) {
        expect(await openAll({ current: version, keys: new Map([[version, key]]) }, chatId, roomCopy)).toEqual(none)
      }
    }
    await expect(chatDataKey(db, master, chatId)).rejects.toMatchObject({ code: 'not_found' })
    expect(await env.DB.prepare('SELECT wrapped_key FROM chat_keys WHERE chat_id = ?').bind(chatId).first('wrapped_key')).toBeNull()
    expect(await runInDurableObject(roomOf(chatId), (_instance, state) => state.storage.sql.exec('SELECT count(*) AS n FROM messages').one().n)).toBe(0)
    expect(
      await roomOf(chatId)
        .history(null, 10)
        .then(() => 'served', () => 'refused'),
    ).toBe('refused')

    // The residual risk (docs/security.md#crypto-shredding): a restore of D1 from before the
    // deletion (Time Travel) brings the wrapped key back, and it opens under the master key...
    const restored = await unwrapDataKeyBytes(master, chatId, { keyVersion: keyCopy.key_version, wrappedKey: keyCopy.wrapped_key! })
    expect((await openAll(chatKeyring(await importDataKey(restored!), master), chatId, roomCopy)).slice(base)).toEqual(texts)
    // ...until the master version that wrapped it is rotated out: new v3, every live key re-wrapped, v1 and v2 removed.
    const v3 = `v3:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`
    const rotating = await keyringOf(`${v3},${env.MESSAGE_KEYS}`)
    for (let after = 0, done = false; !done; ) ({ nextAfter: after, done } = await rewrapChatKeys(db, rotating, after, 50))
    const rotated = await keyringOf(v3)
    expect(await unwrapDataKeyBytes(rotated, chatId, { keyVersion: keyCopy.key_version, wrappedKey: keyCopy.wrapped_key! })).toBeNull()
    for (const key of await keysHeld(rotated)) {
      expect(await openAll({ current: 0, keys: new Map([[0, key]]) }, chatId, roomCopy)).toEqual(none)
    }
  })
})

/** True when no key the system holds now, tried as any version, opens any of the copied rows. */
async function opensWithNoKeyHeld(chatId: number, rows: Row[]): Promise<boolean> {
  const master = await keyringOf(env.MESSAGE_KEYS)
  for (const key of await keysHeld(master)) {
    for (const version of [0, ...master.keys.keys()]) {
      if ((await openAll({ current: version, keys: new Map([[version, key]]) }, chatId, rows)).some((text) => text !== null)) return false
    }
  }
  return true
}

/** A group with messages from before per-chat keys (sealed directly under v1 and v2) after one of today's. */
async function groupWithLegacyRows(label: string): Promise<{ owner: TestUser; chatId: number; texts: string[] }> {
  const owner = await signUp(label)
  const chatId = await createGroup(owner)
  const texts = ['old secret under v1', 'old secret under v2', 'another under v1']
  await writeLegacyMessages(chatId, owner.id, [
    [1, texts[0]!],
    [2, texts[1]!],
    [1, texts[2]!],
  ])
  return { owner, chatId, texts }
}

describe('crypto-shredding rows from before per-chat keys', () => {
  it('shreds them once the room re-sealed them by itself: a copy taken after that opens with no key once the group is deleted', async () => {
    const { owner, chatId, texts } = await groupWithLegacyRows('shredold')
    const beforeReseal = await copyRoomRows(chatId)
    // The room wakes (a member reads), and its alarm re-seals the rows under the data key.
    expect((await historyMessages(chatId, owner)).map((m) => m.message)).toEqual(texts)
    expect(await runDurableObjectAlarm(roomOf(chatId))).toBe(true)
    const afterReseal = await copyRoomRows(chatId)
    expect(afterReseal.map((r) => r.key_version)).toEqual(beforeReseal.map(() => 0))

    const res = await api(`/chat/${chatId}/`, authed(owner.accessToken, { method: 'DELETE' }))
    expect(res.status).toBe(200)
    expect(await opensWithNoKeyHeld(chatId, afterReseal)).toBe(true)
    // The residual risk (docs/security.md#crypto-shredding): a copy older than the reseal holds the
    // rows under the master versions, which the system still holds.
    const master = await keyringOf(env.MESSAGE_KEYS)
    expect((await openAll(master, chatId, beforeReseal)).filter((text) => text !== null)).toEqual(texts)
  })

  // The deletion re-seals what the alarm has not reached yet, before it destroys the key: a copy
  // taken at the worst moment (key destroyed, storage not yet erased) opens with no key.
  const deletions: { name: string; run(env: Env, owner: TestUser, chatId: number): Promise<unknown> }[] = [
    { name: 'DELETE /chat/<id>/ (deleteGroup)', run: (env, owner, chatId) => deleteGroup(env, db, chatId, { id: owner.id, username: owner.username, sessionId: '', expiresAt: 0 }) },
    { name: "an account deletion's erase of a group it left empty (eraseGroup)", run: (env, _owner, chatId) => eraseGroup(env, db, chatId) },
  ]
  for (const deletion of deletions) {
    it(`re-seals rows the room has not re-sealed yet before the key is destroyed: ${deletion.name}`, async () => {
      const { owner, chatId, texts } = await groupWithLegacyRows('shredorder')
      expect((await historyMessages(chatId, owner)).map((m) => m.message)).toEqual(texts)
      let atErase: Row[] | undefined
      // The real rooms, observed: the copy is taken when the room is asked to erase, after the key went.
      const rooms = {
        getByName(name: string) {
          const stub = env.CHAT_ROOM.getByName(name)
          return {
            resealForShredding: () => stub.resealForShredding(),
            destroy: async () => {
              atErase = await copyRoomRows(chatId)
              return stub.destroy()
            },
          }
        },
      }
      await deletion.run({ ...env, CHAT_ROOM: rooms as unknown as Env['CHAT_ROOM'] }, owner, chatId)
      expect(atErase!.length).toBeGreaterThanOrEqual(texts.length)
      expect(atErase!.every((r) => r.key_version === 0)).toBe(true)
      expect(await opensWithNoKeyHeld(chatId, atErase!)).toBe(true)
      expect(await runInDurableObject(roomOf(chatId), (_instance, state) => state.storage.sql.exec('SELECT count(*) AS n FROM messages').one().n)).toBe(0)
    })
  }
})
