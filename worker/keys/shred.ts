import { destroyChatKey } from '../crypto/chat-keys'
import type { Db } from '../db/client'

/** What shredding needs from the rooms: `env.CHAT_ROOM` in the worker. */
export interface ShredGate {
  getByName(name: string): { resealForShredding(): Promise<number>; destroy(): Promise<number> }
}

/**
 * Makes a chat's messages unreadable for good (crypto-shredding), the first step of deleting a
 * group: the room re-seals any row still sealed directly under a master key with the data key, then
 * the data key in D1 is destroyed, so from that moment every copy of the room's storage (a
 * snapshot, a point-in-time restore of the object) is ciphertext without a key; then the room
 * drops its cached key, closes its sockets and deletes its storage. A failure after the key
 * is destroyed leaves nothing readable; calling again finishes the rest. Returns how many sockets were closed.
 * Delete the chat's D1 rows after this, never before (docs/security.md#crypto-shredding).
 */
export async function shredChat(db: Db, rooms: ShredGate, chatId: number): Promise<number> {
  const room = rooms.getByName(String(chatId))
  await room.resealForShredding()
  await destroyChatKey(db, chatId)
  return room.destroy()
}
