import type { MessageBody, ReplyPreview } from '../../../../protocol/http'
import { REPLY_PREVIEW_MAX_CHARS } from '../../../../protocol/http'
import { isBlank } from '../../../../protocol/text'
import type { Room } from '../room'
import { withAttachments } from '../attachments'
import { listReactions } from './changes'
import type { StoredMessage } from './schema'
import { deletedSender, openMessage, toBody } from './seal'
import { findMessages } from './store'

// Messages in their current state, as history, replay and change broadcasts deliver them: text
// decrypted, reply previews and reactions attached.

/** A stored message and its decrypted text (null: deleted, system, or undecryptable). */
interface Opened {
  row: StoredMessage
  text: string | null
}

/** The bodies of these rows, in the same order: each with its attachments, reactions and the preview of the message it replies to. */
export async function loadBodies(room: Room, rows: StoredMessage[]): Promise<MessageBody[]> {
  const texts = await Promise.all(rows.map((m) => openMessage(room, m)))
  const bodies = rows.map((m, i) => toBody(room.chatId, m, texts[i]!))
  const live = bodies.filter((b) => b.kind === 'message' && !b.deleted)
  if (live.length === 0) return bodies
  // Files of messages that carry some (#13): a D1 read only in chats that ever had one.
  const withFiles = await withAttachments(room, live)
  live.forEach((b, i) => (b.attachments = withFiles[i]!.attachments))
  const reactions = listReactions(room.db, live.map((b) => b.seq))
  for (const body of live) body.reactions = reactions.get(body.seq) ?? []
  const known = new Map(rows.map((row, i): [number, Opened] => [row.seq, { row, text: texts[i]! }]))
  const previews = await replyPreviews(room, rows, known)
  rows.forEach((row, i) => {
    if (row.replyTo !== null) bodies[i]!.reply_to = previews.get(row.replyTo) ?? null
  })
  return bodies
}

/**
 * Previews of the messages these rows reply to, keyed by their seq. `known` holds messages already
 * decrypted (the page itself); the others are read and decrypted here, once each.
 */
export async function replyPreviews(room: Room, rows: StoredMessage[], known = new Map<number, Opened>()): Promise<Map<number, ReplyPreview>> {
  const targets = new Set<number>()
  for (const row of rows) if (row.replyTo !== null) targets.add(row.replyTo)
  const missing = [...targets].filter((seq) => !known.has(seq))
  const fetched = findMessages(room.db, missing)
  const texts = await Promise.all(fetched.map((m) => openMessage(room, m)))
  fetched.forEach((row, i) => known.set(row.seq, { row, text: texts[i]! }))
  const previews = new Map<number, ReplyPreview>()
  for (const seq of targets) {
    const target = known.get(seq)
    if (target) previews.set(seq, toReplyPreview(target))
  }
  return previews
}

function toReplyPreview({ row, text }: Opened): ReplyPreview {
  const deleted = row.deletedAtMs !== null
  return { seq: row.seq, sender_id: row.senderId, sender: row.sender, ...deletedSender(row.sender), preview: deleted || text === null ? null : previewOf(text) }
}

/**
 * The first line of `text` that shows something (a message may start with blank lines), cut to
 * REPLY_PREVIEW_MAX_CHARS code points.
 */
export function previewOf(text: string): string {
  const line = text.split('\n').find((l) => !isBlank(l)) ?? ''
  const chars = Array.from(line)
  return chars.length <= REPLY_PREVIEW_MAX_CHARS ? line : chars.slice(0, REPLY_PREVIEW_MAX_CHARS).join('')
}
