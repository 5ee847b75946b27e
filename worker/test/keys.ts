import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import type { MessageBody } from '../../protocol/http'
import { eq } from 'drizzle-orm'
import { seal } from '../crypto/aead'
import { chatDataKey } from '../crypto/chat-keys'
import { unwrapDataKeyBytes, wrapDataKey } from '../crypto/data-keys'
import { importKeyring, parseKeyringSpec, type Keyring } from '../crypto/keys'
import { d1Db } from '../db/client'
import { chatKeys } from '../db/schema'
import { historyPage } from '../rooms/object/log/history'
import { messageContext } from '../rooms/object/log/seal'
import { insertMessage, lastSeq, openLog } from '../rooms/object/log/store'
import { createExclusive, openRoom } from '../rooms/object/room'

// Key hierarchy tests: the test run's MESSAGE_KEYS (v2 current, v1 older), and what an operator
// would have after removing a version.

export const db = d1Db(env.DB)

export function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

/** MESSAGE_KEYS keeping only `versions` (in the given order, the first current), as after a removal. */
export function keysSpec(versions: number[], extra: string[] = []): string {
  const entries = env.MESSAGE_KEYS.split(',').map((e) => e.trim())
  const kept = versions.map((v) => entries.find((e) => e.startsWith(`v${v}:`))!)
  return [...extra, ...kept].join(',')
}

export function keyringOf(spec: string): Promise<Keyring> {
  return importKeyring(parseKeyringSpec(spec))
}

/** The test run's keyring with `version` as the current one: what the worker used before a rotation. */
export async function keyringAt(version: number): Promise<Keyring> {
  return { ...(await keyringOf(env.MESSAGE_KEYS)), current: version }
}

/**
 * Appends messages as a room stored them before per-chat keys: sealed directly under a master
 * version, written to the room's storage without the room opening (so it creates no data key).
 */
export async function writeLegacyMessages(chatId: number, senderId: number, messages: [version: number, text: string][]): Promise<void> {
  // An RPC waits for the object's migrations (the instance passed to runInDurableObject does not).
  await roomOf(chatId).lastSeq()
  const keyring = await keyringOf(env.MESSAGE_KEYS)
  const sealed: [number, Awaited<ReturnType<typeof seal>>][] = []
  const first = await runInDurableObject(roomOf(chatId), (_instance, state) => lastSeq(state.storage.sql) + 1)
  for (const [i, [version, text]] of messages.entries()) {
    sealed.push([first + i, await seal({ ...keyring, current: version }, text, messageContext(chatId, first + i))])
  }
  await runInDurableObject(roomOf(chatId), (instance, state) => {
    for (const [seq, s] of sealed) {
      insertMessage(state.storage.sql, {
        seq,
        id: crypto.randomUUID(),
        senderId,
        sender: 'legacy',
        clientId: null,
        ...s,
        createdAtMs: Date.now(),
        kind: 'message',
        replyTo: null,
        editCount: 0,
        editedAtMs: null,
        deletedAtMs: null,
      })
    }
    // Storage as code older than the automatic reseal left it: no record of that walk (a room that
    // opened already recorded it done, having found no such rows).
    state.storage.sql.exec(`DELETE FROM room_meta WHERE key IN ('reseal_after_seq', 'reseal_done_at_ms')`)
    // The room may have opened already (a new chat's list push asks it for a summary); drop its
    // in-memory state, as an eviction would, so it re-reads the last seq (and its next open is a wake).
    ;(instance as unknown as { opened: unknown }).opened = undefined
  })
}

/** The chat's whole history as a room opened with `messageKeys` as MESSAGE_KEYS would serve it (the room's own code, a fresh Room). */
export async function historyWith(chatId: number, messageKeys: string): Promise<MessageBody[]> {
  return runInDurableObject(roomOf(chatId), async (_instance, state) => {
    const room = await openRoom(state, { ...env, MESSAGE_KEYS: messageKeys }, openLog(state.storage), createExclusive())
    return (await historyPage(room, null, 1000)).messages
  })
}

/** Raw message rows of the room's storage with seq > after (all of them by default: system messages too). */
export function rawMessages(chatId: number, after = 0) {
  return runInDurableObject(roomOf(chatId), (_instance, state) =>
    state.storage.sql
      .exec<{ seq: number; key_version: number; iv: ArrayBuffer; ciphertext: ArrayBuffer }>('SELECT seq, key_version, iv, ciphertext FROM messages WHERE seq > ? ORDER BY seq', after)
      .toArray(),
  )
}

/**
 * Leaves the chat's data key (created if it has none) wrapped under master `version`, as a key made
 * before a rotation is. The key itself is unchanged, so a room that cached it is unaffected (rooms
 * open in the background after a chat is created, and create the key under the current version).
 */
export async function wrapKeyUnder(chatId: number, version: number): Promise<void> {
  const keyring = await keyringOf(env.MESSAGE_KEYS)
  await chatDataKey(db, keyring, chatId)
  const row = (await db.select().from(chatKeys).where(eq(chatKeys.chatId, chatId)).get())!
  const bytes = (await unwrapDataKeyBytes(keyring, chatId, { keyVersion: row.keyVersion, wrappedKey: row.wrappedKey! }))!
  await db.update(chatKeys).set(await wrapDataKey({ ...keyring, current: version }, chatId, bytes)).where(eq(chatKeys.chatId, chatId))
}
