import type { MessageBody, SendResponse } from '../../protocol/http'
import type { MessageFrame } from '../../protocol/socket'
import { open, seal } from '../crypto/aead'
import { broadcast } from './fan-out'
import type { Room } from './room'
import { advanceReadCursor, findByClientId, insertMessage, lastSeq, type StoredMessage } from './store'

export interface Sender {
  userId: number
  username: string
}

// AAD binds each ciphertext to its chat and seq: a row copied into another chat or seq fails to decrypt.
export function messageContext(chatId: number, seq: number): string {
  return `chat=${chatId}|seq=${seq}`
}

function toBody(chatId: number, m: StoredMessage, text: string | null): MessageBody {
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
  if (text === null) console.warn(`undecryptable message chat=${room.chatId} seq=${m.seq} key=v${m.keyVersion}`)
  return toBody(room.chatId, m, text)
}

/**
 * The one write path for socket and REST sends: dedupe on (sender, client_id), assign the next seq,
 * encrypt once, store, then broadcast the frame serialized once. The runtime's output gate holds the
 * broadcast and any ack until the write is durable.
 */
export function publishMessage(room: Room, sender: Sender, text: string, clientId: string | null): Promise<SendResponse> {
  return room.exclusive(async () => {
    const sql = room.ctx.storage.sql
    const existing = clientId === null ? null : findByClientId(sql, sender.userId, clientId)
    if (existing) return { message: await toMessageBody(room, existing), duplicate: true }
    const seq = lastSeq(sql) + 1
    const sealed = await seal(room.keyring, text, messageContext(room.chatId, seq))
    const stored: StoredMessage = {
      seq,
      id: crypto.randomUUID(),
      senderId: sender.userId,
      sender: sender.username,
      clientId,
      ...sealed,
      createdAtMs: Date.now(),
    }
    insertMessage(sql, stored)
    advanceReadCursor(sql, sender.userId, seq)
    const message = toBody(room.chatId, stored, text)
    const frame: MessageFrame = { type: 'message', ...message }
    broadcast(room.ctx, JSON.stringify(frame))
    return { message, duplicate: false }
  })
}
