import { eq } from 'drizzle-orm'
import type { AttachmentBody, MessageBody } from '../../../protocol/http'
import { toAttachmentBodies } from '../../attachments/body'
import { deleteAttachmentsOf } from '../../attachments/cleanup'
import { claimAttachments, listOfMessages, releaseClaim } from '../../attachments/records'
import { dbForEnv } from '../../db/for-env'
import { AppError } from '../../errors'
import { errorFields, log } from '../../log'
import type { Sender } from './log/seal'
import { roomMeta } from './log/schema'
import type { Room } from './room'

// A message's attachments (#13) live in D1 (`attachments.message_id`), not in the room's log: the
// room claims them for a message before storing it and reads them back for history and replays.

// Set in room_meta once the chat has carried an attachment: until then reads skip D1 entirely.
const HAS_ATTACHMENTS = 'has_attachments'

/**
 * Claims `ids` for the message `messageId` that `sender` is about to send: each must be an upload of
 * this sender in this chat that no message carries yet, or nothing is claimed and `invalid_request`
 * (field `attachments`) is thrown. Returns their bodies in the order given.
 */
export async function claimForSend(room: Room, sender: Sender, ids: readonly string[], messageId: string): Promise<AttachmentBody[]> {
  const db = await dbForEnv(room.env)
  const claimed = await claimAttachments(db, { chatId: room.chatId, uploaderId: sender.userId, ids, messageId })
  if (!claimed) {
    throw new AppError('invalid_request', 'Every attachment must be your own upload to this chat, not yet sent.', 'attachments')
  }
  room.db.insert(roomMeta).values({ key: HAS_ATTACHMENTS, value: 1 }).onConflictDoNothing().run()
  return toAttachmentBodies(db, room.keyring, claimed)
}

/** Undoes `claimForSend` when its message was not stored; a failure is left to the cron (it expires). */
export async function releaseForSend(room: Room, messageId: string): Promise<void> {
  await releaseClaim(await dbForEnv(room.env), room.chatId, messageId)
}

/** Fills `attachments` of stored messages from D1: one query per call, none for a chat that never had any. */
export async function withAttachments(room: Room, bodies: MessageBody[]): Promise<MessageBody[]> {
  if (bodies.length === 0 || !room.db.select().from(roomMeta).where(eq(roomMeta.key, HAS_ATTACHMENTS)).get()) return bodies
  const db = await dbForEnv(room.env)
  const records = await listOfMessages(db, room.chatId, bodies.map((body) => body.id))
  if (records.length === 0) return bodies
  const attachmentBodies = await toAttachmentBodies(db, room.keyring, records)
  const byMessage = new Map<string, AttachmentBody[]>()
  records.forEach((record, i) => {
    const list = byMessage.get(record.messageId!) ?? []
    list.push(attachmentBodies[i]!)
    byMessage.set(record.messageId!, list)
  })
  return bodies.map((body) => (byMessage.has(body.id) ? { ...body, attachments: byMessage.get(body.id)! } : body))
}

/**
 * Deletes the files of a deleted message (R2 objects and D1 rows), in chats that ever had one.
 * A failure is logged (ids only) and not thrown: the message is deleted either way.
 */
export async function deleteMessageFiles(room: Room, messageId: string): Promise<void> {
  if (!room.db.select().from(roomMeta).where(eq(roomMeta.key, HAS_ATTACHMENTS)).get()) return
  try {
    await deleteAttachmentsOf(room.env, room.chatId, [messageId])
  } catch (err) {
    log.error('attachment_delete_failed', { chat_id: room.chatId, message_id: messageId, ...errorFields(err) })
  }
}
