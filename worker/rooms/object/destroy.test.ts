import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { CLOSE_CODES } from '../../../protocol/socket'
import { closeCode, createGroup, errorCode, ORIGIN, openSocket, signUp, socketPath, upgrade } from '../../test/helpers'

describe('ChatRoom destroy', () => {
  // The room keeps whether it was destroyed in memory once asked (every upgrade asks): an upgrade
  // answered before the destroy must not leave a stale "no" behind. The chat's data key is still in
  // D1 here (only the room was destroyed), so the room itself must refuse.
  it('refuses an upgrade after destroy even when it accepted one before', async () => {
    const owner = await signUp('destroyed')
    const chatId = await createGroup(owner)
    const socket = await openSocket(chatId, owner.accessToken)
    await socket.waitFor((f) => f.type === 'ready')
    expect(await env.CHAT_ROOM.getByName(String(chatId)).destroy()).toBe(1)
    expect(await closeCode(socket)).toBe(CLOSE_CODES.chatDeleted)
    const res = await upgrade(socketPath(chatId, owner.accessToken), { Origin: ORIGIN })
    expect(res.status).toBe(404)
    expect(await errorCode(res)).toBe('not_found')
  })
})
