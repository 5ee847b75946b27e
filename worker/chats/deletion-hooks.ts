
// What deleting a group asks of other features, each called from this one place (delete.ts).

/**
 * Destroys the chat's data key (#14, `worker/crypto/chat-keys.ts`): called before anything else is
 * deleted, so from then on every copy of the room's ciphertext is unreadable. Idempotent.
 */
export { destroyChatKey } from '../crypto/chat-keys'

/** Deletes every attachment of the chat (#13, `worker/attachments/cleanup.ts`). Idempotent; returns how many. */
export { deleteChatAttachments } from '../attachments/cleanup'
