
import type { Env } from '../env'

// What deleting a group asks of other features, each called from this one place (delete.ts).

/**
 * Re-seals every message of the chat's room still sealed directly under a master key (rows from
 * before per-chat keys) with its data key (#14, `rooms/object/log/reseal.ts`): called before the key
 * is destroyed, so destroying it shreds those rows too. Idempotent; returns how many were re-sealed.
 */
export function resealBeforeShredding(env: Env, chatId: number): Promise<number> {
  return env.CHAT_ROOM.getByName(String(chatId)).resealForShredding()
}

/**
 * Destroys the chat's data key (#14, `worker/crypto/chat-keys.ts`): called before anything else is
 * deleted, so from then on every copy of the room's ciphertext is unreadable. Idempotent.
 */
export { destroyChatKey } from '../crypto/chat-keys'

/** Deletes every attachment of the chat (#13, `worker/attachments/cleanup.ts`). Idempotent; returns how many. */
export { deleteChatAttachments } from '../attachments/cleanup'
