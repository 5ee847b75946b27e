import type { Db } from '../db/client'

// What deleting a group asks of other features, each called from this one place (delete.ts). Until
// those features are merged the hooks do nothing; at the merge each becomes a re-export of the real
// function of the same name and signature.

/**
 * Destroys the chat's data key (#14, `worker/crypto/chat-keys.ts`): called before anything else is
 * deleted, so from then on every copy of the room's ciphertext is unreadable. Idempotent.
 */
export async function destroyChatKey(db: Db, chatId: number): Promise<void> {
  void db
  void chatId
}

/** Deletes every attachment of the chat (#13), claimed or not. Idempotent; returns how many. */
export { deleteChatAttachments } from '../attachments/cleanup'
