import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { createGroup, historyMessages, lastSeqOf, memberMessages, sendMessage, signUp } from '../../../test/helpers'
import { historyWith, keysSpec, rawMessages, roomOf, writeLegacyMessages } from '../../../test/keys'
import { createExclusive, openRoom } from '../room'
import { AUTO_RESEAL_ROWS, RESEAL_AFTER_WAKE_MS, resealBatch } from './reseal'
import { openLog } from './store'

describe('resealBatch', () => {
  it('moves rows sealed under master keys to the data key in bounded batches, reading the same, then reads without the old versions', async () => {
    const owner = await signUp('reseal')
    const chatId = await createGroup(owner)
    // The group's system messages come first, sealed under its data key already; the legacy rows follow them.
    const base = await lastSeqOf(chatId)
    await writeLegacyMessages(chatId, owner.id, [
      [1, 'oldest, under v1'],
      [1, 'second, under v1'],
      [2, 'third, under v2'],
      [1, 'fourth, under v1'],
      [2, 'fifth, under v2'],
    ])
    const before = memberMessages(await historyWith(chatId, env.MESSAGE_KEYS))
    expect(before.map((m) => m.message)).toEqual(['oldest, under v1', 'second, under v1', 'third, under v2', 'fourth, under v1', 'fifth, under v2'])
    // Without v1 the old rows are lost: what removing a version did before this migration.
    expect(memberMessages(await historyWith(chatId, keysSpec([2]))).map((m) => m.message)).toEqual([null, null, 'third, under v2', null, 'fifth, under v2'])
    const ivsBefore = (await rawMessages(chatId, base)).map((r) => new Uint8Array(r.iv).join())

    expect(await roomOf(chatId).resealMessages(2)).toEqual({ resealed: 2, unreadable: 0, remaining: 3 })
    // Sends go on between batches, sealed under the data key.
    await sendMessage(chatId, owner, 'sent during the migration')
    expect(await roomOf(chatId).resealMessages(2)).toEqual({ resealed: 2, unreadable: 0, remaining: 1 })
    expect(await roomOf(chatId).resealMessages(2)).toEqual({ resealed: 1, unreadable: 0, remaining: 0 })
    expect(await roomOf(chatId).resealMessages(2)).toEqual({ resealed: 0, unreadable: 0, remaining: 0 })

    expect((await rawMessages(chatId)).every((r) => r.key_version === 0)).toBe(true)
    const rows = await rawMessages(chatId, base)
    expect(rows.map((r) => r.key_version)).toEqual([0, 0, 0, 0, 0, 0])
    rows.slice(0, 5).forEach((r, i) => expect(new Uint8Array(r.iv).join()).not.toBe(ivsBefore[i]))
    const after = await historyWith(chatId, env.MESSAGE_KEYS)
    expect(memberMessages(after).slice(0, 5)).toEqual(before)
    // v1 removed from MESSAGE_KEYS: every row still reads (the data key is wrapped under v2).
    expect(await historyWith(chatId, keysSpec([2]))).toEqual(after)
  })

  it('leaves rows under a version no longer in MESSAGE_KEYS and counts them as remaining', async () => {
    const owner = await signUp('resealgone')
    const chatId = await createGroup(owner)
    const base = await lastSeqOf(chatId)
    await writeLegacyMessages(chatId, owner.id, [
      [1, 'under v1'],
      [2, 'under v2'],
    ])
    const result = await runInDurableObject(roomOf(chatId), async (_instance, state) => {
      const room = await openRoom(state, { ...env, MESSAGE_KEYS: keysSpec([2]) }, openLog(state.storage), createExclusive())
      return resealBatch(room, 10)
    })
    expect(result).toEqual({ resealed: 1, unreadable: 0, remaining: 1 })
    expect((await rawMessages(chatId, base)).map((r) => r.key_version)).toEqual([1, 0])
  })

  it('counts a tampered row as unreadable and leaves it as it was', async () => {
    const owner = await signUp('resealbad')
    const chatId = await createGroup(owner)
    const base = await lastSeqOf(chatId)
    await writeLegacyMessages(chatId, owner.id, [
      [1, 'fine'],
      [1, 'tampered'],
    ])
    await runInDurableObject(roomOf(chatId), (_instance, state) => {
      state.storage.sql.exec('UPDATE messages SET key_version = 2 WHERE seq = ?', base + 2)
    })
    expect(await roomOf(chatId).resealMessages(10)).toEqual({ resealed: 1, unreadable: 1, remaining: 1 })
    expect((await rawMessages(chatId, base)).map((r) => r.key_version)).toEqual([0, 2])
  })
})

/** The room's alarm time, or null. */
function alarmOf(chatId: number): Promise<number | null> {
  return runInDurableObject(roomOf(chatId), (_instance, state) => state.storage.getAlarm())
}

const underMaster = (rows: { key_version: number }[]) => rows.filter((r) => r.key_version !== 0).length

describe('the automatic reseal', () => {
  it('re-seals the rows under master keys by itself after the room wakes, a bounded batch per alarm, while sends go on', async () => {
    const owner = await signUp('autoreseal')
    const chatId = await createGroup(owner)
    const base = await lastSeqOf(chatId)
    // More rows than one batch, under both master versions.
    const legacy = Array.from({ length: AUTO_RESEAL_ROWS + 30 }, (_, i): [number, string] => [i % 3 === 0 ? 2 : 1, `legacy ${i}`])
    await writeLegacyMessages(chatId, owner.id, legacy)
    expect(underMaster(await rawMessages(chatId))).toBe(legacy.length)
    expect(await runDurableObjectAlarm(roomOf(chatId))).toBe(false)

    // The wake: a member reads the history (every row reads, from either kind of key).
    expect((await historyMessages(chatId, owner)).at(-1)?.message).toBe(`legacy ${legacy.length - 1}`)
    // Booked for soon after the wake (a token alarm would be 15 minutes away, and no socket is open).
    const alarm = await alarmOf(chatId)
    expect(alarm).not.toBeNull()
    expect(alarm!).toBeLessThanOrEqual(Date.now() + RESEAL_AFTER_WAKE_MS)

    expect(await runDurableObjectAlarm(roomOf(chatId))).toBe(true)
    expect(underMaster(await rawMessages(chatId))).toBe(30)
    // Between batches the room serves sends, sealed under the data key after the legacy rows.
    await sendMessage(chatId, owner, 'sent during the walk')
    expect(await runDurableObjectAlarm(roomOf(chatId))).toBe(true)
    const rows = await rawMessages(chatId)
    expect(underMaster(rows)).toBe(0)
    expect(rows.at(-1)!.seq).toBe(base + legacy.length + 1)
    // The walk is done: no alarm left (no socket is open), and later wakes book none.
    expect(await runDurableObjectAlarm(roomOf(chatId))).toBe(false)
    await writeLegacyMessages(chatId, owner.id, [])
    await historyMessages(chatId, owner)
    expect(await alarmOf(chatId)).toBeNull()

    // The history reads the same, also once v1 is removed from MESSAGE_KEYS.
    const texts = [...legacy.map(([, text]) => text), 'sent during the walk']
    expect(memberMessages(await historyWith(chatId, keysSpec([2]))).map((m) => m.message)).toEqual(texts)
  })

  it('books nothing in a room with no rows under a master key', async () => {
    const owner = await signUp('autoreseal')
    const chatId = await createGroup(owner)
    await sendMessage(chatId, owner, 'under the data key')
    await writeLegacyMessages(chatId, owner.id, [])
    await historyMessages(chatId, owner)
    expect(await alarmOf(chatId)).toBeNull()
  })
})
