import { DELETED_USER_NAME, type MessageBody, type SystemEvent } from '../../../../protocol/http'
import { open, seal, type Sealed } from '../../../crypto/aead'
import { log } from '../../../log'
import type { Room } from '../room'
import type { StoredMessage } from './schema'

/** Who sends a message: a socket's member, or the caller of the `send` RPC. */
export interface Sender {
  userId: number
  username: string
}

// AAD binds each ciphertext to its chat, its seq and its edit: a row copied into another chat or seq
// fails to decrypt, and so does an earlier version of an edited message put back in place of the
// current one. An unedited message's context is the one rooms have always used (`edit` 0 adds nothing).
export function messageContext(chatId: number, seq: number, edit = 0): string {
  return edit === 0 ? `chat=${chatId}|seq=${seq}` : `chat=${chatId}|seq=${seq}|edit=${edit}`
}

/** Encrypts `text` as the message stored at `seq`, under the chat's data key (the room keyring's current version, 0); `id` is made unless given (an attachment claim named it). */
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
  return {
    seq,
    id,
    senderId: sender.userId,
    sender: sender.username,
    clientId,
    ...sealed,
    createdAtMs,
    kind: 'message',
    replyTo: null,
    editCount: 0,
    editedAtMs: null,
    deletedAtMs: null,
  }
}

/** Encrypts the new text of message `seq` for its `edit`-th edit (1 for the first). */
export function sealEdit(room: Room, seq: number, edit: number, text: string): Promise<Sealed> {
  return seal(room.keyring, text, messageContext(room.chatId, seq, edit))
}

/** The stored text of a message (a system message's: its event as JSON); null when deleted or undecryptable (logged, ids only). */
export async function openMessage(room: Room, m: StoredMessage): Promise<string | null> {
  if (m.iv === null || m.ciphertext === null) return null
  const text = await open(room.keyring, { keyVersion: m.keyVersion, iv: m.iv, ciphertext: m.ciphertext }, messageContext(room.chatId, m.seq, m.editCount))
  if (text === null) log.warn('message_undecryptable', { chat_id: room.chatId, seq: m.seq, key_version: m.keyVersion })
  return text
}

/**
 * The wire shape of a stored message whose text is already known (`null`: deleted or undecryptable),
 * without its reply preview and reactions (bodies.ts adds those). A system message's text is its event.
 */
/**
 * `sender_deleted: true` when the stored sender is the DELETED_USER_NAME label (the room's
 * `forgetUser` wrote it): no username can equal it (it has a space), so the label marks exactly
 * the senders whose account was deleted.
 */
export function deletedSender(sender: string): { sender_deleted?: true } {
  return sender === DELETED_USER_NAME ? { sender_deleted: true } : {}
}

export function toBody(chatId: number, m: StoredMessage, text: string | null): MessageBody {
  const deleted = m.deletedAtMs !== null
  const isSystem = m.kind === 'system'
  return {
    id: m.id,
    seq: m.seq,
    chat_id: chatId,
    sender: m.sender,
    sender_id: m.senderId,
    ...deletedSender(m.sender),
    message: isSystem || deleted ? null : text,
    created_at: new Date(m.createdAtMs).toISOString(),
    client_id: m.clientId,
    kind: m.kind,
    event: isSystem && text !== null ? (JSON.parse(text) as SystemEvent) : null,
    reply_to: null,
    edited_at: m.editedAtMs === null ? null : new Date(m.editedAtMs).toISOString(),
    deleted,
    reactions: [],
    attachments: [],
  }
}

/** Decrypts a stored message for a member, without reply preview and reactions. A failure is logged (ids only) and delivered as `message: null`. */
export async function toMessageBody(room: Room, m: StoredMessage): Promise<MessageBody> {
  return toBody(room.chatId, m, await openMessage(room, m))
}

/**
 * The row re-sealed under the chat's data key (new IV, `key_version` 0), same text, same AAD context;
 * null when it does not open (its master version is gone, or it was tampered with).
 */
export async function resealMessage(room: Room, m: StoredMessage): Promise<StoredMessage | null> {
  // A deleted message has no ciphertext left to move (listSealedUnder does not select one).
  if (m.iv === null || m.ciphertext === null) return null
  const context = messageContext(room.chatId, m.seq, m.editCount)
  const text = await open(room.keyring, { keyVersion: m.keyVersion, iv: m.iv, ciphertext: m.ciphertext }, context)
  if (text === null) return null
  return { ...m, ...(await seal(room.keyring, text, context)) }
}
