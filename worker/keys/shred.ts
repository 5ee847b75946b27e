import { destroyChatKey } from '../crypto/chat-keys'
import type { Db } from '../db/client'

/** What shredding needs from the rooms: `env.CHAT_ROOM` in the worker. */
export interface ShredGate {
  getByName(name: string): { destroy(): Promise<number> }
}

/**
 * Makes a chat's messages unreadable for good (crypto-shredding), the first step of deleting a
 * group: the data key in D1 is destroyed first, so from that moment every copy of the room's storage
 * (a snapshot, a point-in-time restore of the object) is ciphertext without a key; then the room
 * drops its cached key, closes its sockets and deletes its storage. A failure after the first step
 * leaves nothing readable; calling again finishes the rest. Returns how many sockets were closed.
 * Delete the chat's D1 rows after this, never before (docs/security.md#crypto-shredding).
 */
export async function shredChat(db: Db, rooms: ShredGate, chatId: number): Promise<number> {
  await destroyChatKey(db, chatId)
  return rooms.getByName(String(chatId)).destroy()
}
