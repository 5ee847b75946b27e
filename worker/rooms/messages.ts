import type { MessageBody } from '../../protocol/http'
import { open } from '../crypto/aead'
import { log } from '../log'
import type { Room } from './room'
import type { StoredMessage } from './store'

export interface Sender {
  userId: number
  username: string
}

// AAD binds each ciphertext to its chat and seq: a row copied into another chat or seq fails to decrypt.
export function messageContext(chatId: number, seq: number): string {
  return `chat=${chatId}|seq=${seq}`
}

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
  }
}

/** Decrypts a stored message for a member. A failure is logged (ids only) and delivered as `message: null`. */
export async function toMessageBody(room: Room, m: StoredMessage): Promise<MessageBody> {
  const text = await open(room.keyring, m, messageContext(room.chatId, m.seq))
  if (text === null) log.warn('message_undecryptable', { chat_id: room.chatId, seq: m.seq, key_version: m.keyVersion })
  return toBody(room.chatId, m, text)
}
