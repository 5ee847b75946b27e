import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { addToGroup, closeCode, createGroup, openSocket, signUp } from '../helpers'

// Issue #16: a socket whose peer vanished without a close frame is released at once, not left
// open until the runtime gives up on it (10-20 s, with its descriptors and buffers).

function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

/** The room's sockets still open, per user id. */
function openSockets(chatId: number, userId: number): Promise<number> {
  return runInDurableObject(roomOf(chatId), (_instance, state) =>
    state.getWebSockets(String(userId)).filter((ws) => ws.readyState === WebSocket.OPEN).length,
  )
}

// The codes the runtime reports when a connection ends without a close handshake: 1006 (abnormal
// closure: TCP reset, a killed tab), 1015 (TLS failure), and 1005 (a close frame with no code).
const ABRUPT = [1005, 1006, 1015]

describe('ChatRoom.webSocketClose', () => {
  for (const code of ABRUPT) {
    it(`releases a socket that closed with ${code} at once, and the others stay open`, async () => {
      const owner = await signUp('owner')
      const other = await signUp('other')
      const chatId = await createGroup(owner)
      await addToGroup(chatId, owner, other)
      const dropped = await openSocket(chatId, owner.accessToken)
      const stays = await openSocket(chatId, other.accessToken)
      await Promise.all([dropped.waitFor((f) => f.type === 'ready'), stays.waitFor((f) => f.type === 'ready')])
      expect(await openSockets(chatId, owner.id)).toBe(1)

      // What the runtime hands the room when the peer's connection is gone.
      await runInDurableObject(roomOf(chatId), async (instance, state) => {
        const [ws] = state.getWebSockets(String(owner.id))
        await instance.webSocketClose(ws!, code)
      })
      // The server's side is closed: its close reaches what is left of the pair (here, the test's end).
      expect(await closeCode(dropped)).toBe(1000)
      expect(await openSockets(chatId, owner.id)).toBe(0)
      expect(await openSockets(chatId, other.id)).toBe(1)
      stays.send({ type: 'ping' })
      await stays.waitFor((f) => f.type === 'pong')
    })
  }
})
