import type { MessageBody } from '../../../../protocol/http'
import { open, seal } from '../../../crypto/aead'
import { log } from '../../../log'
import type { Room } from '../room'
import type { StoredMessage } from './schema'

/** Who sends a message: a socket's member, or the caller of the `send` RPC. */
export interface Sender {
  userId: number
  username: string
}

// AAD binds each ciphertext to its chat and seq: a row copied into another chat or seq fails to decrypt.
export function messageContext(chatId: number, seq: number): string {
  return `chat=${chatId}|seq=${seq}`
}

/** Encrypts `text` as the message stored at `seq`, under the keyring's newest key; `id` is made unless given (a claim named it). */
export async function sealMessage(
  room: Room,
  seq: number,
  sender: Sender,
  text: string,
  clientId: string | null,
  createdAtMs: number,
  id: string = crypto.randomUUID(),
): Promise<StoredMessage> {
  const sealed = await seal(room.keyring, text, messageContext(room.chatId, seq))
  return { seq, id, senderId: sender.userId, sender: sender.username, clientId, ...sealed, createdAtMs }
}

/** The wire shape of a stored message whose text is already known (`null`: undecryptable). */
export function toBody(chatId: number, m: StoredMessage, text: string | null): MessageBody {
  return {
    id: m.id,
    seq: m.seq,
    chat_id: chatId,
    sender: m.sender,
    sender_id: m.senderId,
    message: text,
    created_at: new Date(m.createdAtMs).toISOString(),
    client_id: m.clientId,
    kind: 'message',
    event: null,
    reply_to: null,
    edited_at: null,
    deleted: false,
    reactions: [],
    attachments: [],
  }
}

/** Decrypts a stored message for a member. A failure is logged (ids only) and delivered as `message: null`. */
export async function toMessageBody(room: Room, m: StoredMessage): Promise<MessageBody> {
  const text = await open(room.keyring, m, messageContext(room.chatId, m.seq))
  if (text === null) log.warn('message_undecryptable', { chat_id: room.chatId, seq: m.seq, key_version: m.keyVersion })
  return toBody(room.chatId, m, text)
}
