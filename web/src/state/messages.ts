import { REPLY_PREVIEW_MAX_CHARS, type AckFrame, type AttachmentBody, type MessageBody, type MessageKind, type Reaction, type ReplyPreview, type SystemEvent } from '../../../protocol'

export type DeliveryStatus = 'pending' | 'sent' | 'failed'

/** A message as the room shows it: stored ones have a seq; our own unsent ones only a client id. */
export interface ViewMessage {
  key: string
  seq: number | null
  clientId: string | null
  senderId: number
  sender: string
  /** Null for a system message, a deleted one, and when the server could not decrypt it. */
  text: string | null
  createdAt: string
  status: DeliveryStatus
  kind: MessageKind
  /** Set when `kind` is "system". */
  event: SystemEvent | null
  replyTo: ReplyPreview | null
  editedAt: string | null
  isDeleted: boolean
  /** The sender's account was deleted: `sender` is the "Deleted user" label (`sender_deleted`), shown as one. */
  senderDeleted: boolean
  reactions: Reaction[]
  attachments: AttachmentBody[]
}

export function fromBody(body: MessageBody): ViewMessage {
  return {
    key: `s${body.seq}`,
    seq: body.seq,
    clientId: body.client_id,
    senderId: body.sender_id,
    sender: body.sender,
    text: body.message,
    createdAt: body.created_at,
    status: 'sent',
    kind: body.kind,
    event: body.event,
    replyTo: body.reply_to,
    editedAt: body.edited_at,
    isDeleted: body.deleted,
    senderDeleted: body.sender_deleted === true,
    reactions: body.reactions,
    attachments: body.attachments,
  }
}

export function pendingMessage(
  clientId: string,
  text: string,
  me: { userid: number; username: string },
  nowIso: string,
  replyTo: ReplyPreview | null = null,
): ViewMessage {
  return {
    key: `c${clientId}`,
    seq: null,
    clientId,
    senderId: me.userid,
    sender: me.username,
    text,
    createdAt: nowIso,
    status: 'pending',
    kind: 'message',
    event: null,
    replyTo,
    editedAt: null,
    isDeleted: false,
    senderDeleted: false,
    reactions: [],
    attachments: [],
  }
}

/** What a reply quotes of `message`: its first line, at most REPLY_PREVIEW_MAX_CHARS code points (as the server cuts it). */
export function toReplyPreview(message: ViewMessage): ReplyPreview | null {
  if (message.seq === null) return null
  const firstLine = message.text === null || message.isDeleted ? null : Array.from(message.text.split('\n')[0]!).slice(0, REPLY_PREVIEW_MAX_CHARS).join('')
  return { seq: message.seq, sender_id: message.senderId, sender: message.sender, preview: firstLine }
}

/**
 * A `message_updated` frame: the message `body.seq` is replaced by its current state (keeping its
 * key, so it does not re-mount), and the replies quoting it show its new first line (or none once
 * deleted). A message not loaded here is ignored: history returns current state when it is.
 */
export function applyUpdate(list: ViewMessage[], body: MessageBody): ViewMessage[] {
  if (!list.some((m) => m.seq === body.seq)) return list
  const updated = fromBody(body)
  const preview = toReplyPreview(updated)
  return list.map((m) =>
    m.seq === body.seq
      ? { ...updated, key: m.key }
      : m.replyTo?.seq === body.seq && preview
        ? { ...m, replyTo: { ...m.replyTo, preview: preview.preview } }
        : m,
  )
}

/** The newest own message that can still be edited (Up arrow in an empty composer), or null. */
export function lastEditable(list: readonly ViewMessage[], myId: number): ViewMessage | null {
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i]!
    if (m.senderId === myId && m.kind === 'message' && m.seq !== null && !m.isDeleted && m.text !== null) return m
  }
  return null
}

/** Stored messages in seq order, then unsent ones in the order they were written. */
function ordered(list: ViewMessage[]): ViewMessage[] {
  const stored = list.filter((m) => m.seq !== null).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
  return [...stored, ...list.filter((m) => m.seq === null)]
}

/**
 * Adds stored messages, each at most once: a seq already present is ignored (a replay after a
 * reconnect may repeat what history delivered) and our pending copy is replaced by the stored one.
 */
export function mergeStored(list: ViewMessage[], incoming: ViewMessage[]): ViewMessage[] {
  const seen = new Set(list.map((m) => m.seq).filter((seq) => seq !== null))
  const fresh = incoming.filter((m) => m.seq !== null && !seen.has(m.seq))
  if (fresh.length === 0) return list
  const confirmed = new Set(fresh.map((m) => m.clientId).filter((id) => id !== null))
  const kept = list.filter((m) => m.seq !== null || m.clientId === null || !confirmed.has(m.clientId))
  const keys = new Map(list.filter((m) => m.clientId !== null).map((m) => [m.clientId, m.key]))
  // Keep the pending copy's key, so the confirmed message does not re-mount (no flicker, focus kept).
  const withKeys = fresh.map((m) => (m.clientId && keys.has(m.clientId) ? { ...m, key: keys.get(m.clientId)! } : m))
  return ordered([...kept, ...withKeys])
}

export function applyAck(list: ViewMessage[], ack: AckFrame): ViewMessage[] {
  if (list.some((m) => m.seq === ack.seq)) {
    return list.filter((m) => m.seq !== null || m.clientId !== ack.client_id)
  }
  return ordered(list.map((m) => (m.seq === null && m.clientId === ack.client_id ? { ...m, seq: ack.seq, status: 'sent' as const } : m)))
}

export function setStatus(list: ViewMessage[], clientId: string, status: DeliveryStatus): ViewMessage[] {
  return list.map((m) => (m.seq === null && m.clientId === clientId ? { ...m, status } : m))
}

export function lastSeq(list: ViewMessage[]): number {
  let max = 0
  for (const m of list) if (m.seq !== null && m.seq > max) max = m.seq
  return max
}

export function firstSeq(list: ViewMessage[]): number | null {
  for (const m of list) if (m.seq !== null) return m.seq
  return null
}
