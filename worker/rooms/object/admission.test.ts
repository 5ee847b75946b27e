import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { issueAccessToken } from '../../auth/access-tokens'
import { loadConfig } from '../../config'
import { createGroup, openSocket, signUp } from '../../test/helpers'

async function alarmOf(chatId: number): Promise<number | null> {
  return runInDurableObject(env.CHAT_ROOM.getByName(String(chatId)), (_instance, state) => state.storage.getAlarm())
}

describe('room expiry alarm on connect', () => {
  it('stays at the earliest token expiry: a later socket leaves it, an earlier one moves it', async () => {
    const owner = await signUp('alarm')
    const chatId = await createGroup(owner)
    const { jwtKey } = await loadConfig(env)
    // Tokens issued some minutes ago expire that much earlier than a fresh one.
    const token = async (issuedAgoMs: number) =>
      (await issueAccessToken(jwtKey, { id: owner.id, username: owner.username }, `alarm-${issuedAgoMs}`, Date.now() - issuedAgoMs)).token

    const middle = await openSocket(chatId, await token(300_000))
    const ready = await middle.waitFor((f) => f.type === 'ready')
    const middleExpiry = ready.type === 'ready' ? Date.parse(ready.token_expires_at) : NaN
    expect(await alarmOf(chatId)).toBe(middleExpiry)

    const later = await openSocket(chatId, await token(60_000))
    await later.waitFor((f) => f.type === 'ready')
    expect(await alarmOf(chatId)).toBe(middleExpiry)

    const earlier = await openSocket(chatId, await token(600_000))
    const earlyReady = await earlier.waitFor((f) => f.type === 'ready')
    expect(await alarmOf(chatId)).toBe(earlyReady.type === 'ready' ? Date.parse(earlyReady.token_expires_at) : NaN)
    expect(await alarmOf(chatId)).toBeLessThan(middleExpiry)
  })
})
