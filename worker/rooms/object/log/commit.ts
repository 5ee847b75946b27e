import type { AttachmentBody, MessageBody, SendResponse } from '../../../../protocol/http'
import { AppError } from '../../../errors'
import { meterBatch } from '../../../metering/meter'
import { claimForSend, releaseForSend, withAttachments } from '../attachments'
import { batchedPayloads, broadcastTo, listSockets, messageFrameOf, sendFrame, toLegacyFrame } from '../fan-out'
import { messagesStored } from '../notify'
import type { Room } from '../room'
import { feedShards } from '../shards'
import type { StoredMessage } from './schema'
import { loadBodies, replyPreviews } from './bodies'
import { sealMessage, toBody, type Sender } from './seal'
import { advanceReadCursor, findByClientId, findMessage, insertMessage } from './store'

// The one write path of the log, for socket and REST sends alike: outbox, group commit, broadcast, ack.

/** One send waiting in the room's outbox for the next group commit. */
export interface PendingSend {
  sender: Sender
  text: string
  clientId: string | null
  /** The seq of the message it replies to (checked by `publishMessage`), or null. */
  replyTo: number | null
  /** The socket to ack right after the message's broadcast; null for a REST send, answered by `resolve`. */
  ackTo: WebSocket | null
  /** Set when the send carries attachments: the id claimed for the message in D1, and their bodies. */
  messageId: string | null
  attachments: AttachmentBody[]
  resolve(response: SendResponse): void
  reject(err: unknown): void
}

/**
 * The one write path for socket and REST sends. Adaptive group commit: a send that finds no commit
 * in flight starts one on the runtime's next turn, with every frame already delivered by then (no
 * timed window: a lone message still goes out at once, so light load pays no batching delay);
 * sends that arrive while a batch is being sealed, stored or confirmed wait in the outbox and are
 * stored together as the next batch: one commit, one socket listing and one wait per batch instead
 * of per message, and batches grow exactly as fast as commits fall behind. Durability is unchanged:
 * no broadcast or ack leaves before the batch holding its message is durable.
 */
export function publishMessage(
  room: Room,
  sender: Sender,
  text: string,
  clientId: string | null,
  ackTo: WebSocket | null = null,
  replyTo: number | null = null,
): Promise<SendResponse> {
  // Checked synchronously, so the send keeps its place in the outbox behind the socket's earlier ones.
  if (replyTo !== null) requireReplyTarget(room, replyTo)
  return enqueue(room, { sender, text, clientId, replyTo, ackTo, messageId: null, attachments: [] })
}

function enqueue(room: Room, send: Omit<PendingSend, 'resolve' | 'reject'>): Promise<SendResponse> {
  return new Promise((resolve, reject) => {
    room.outbox.push({ ...send, resolve, reject })
    // The first send of a batch books the batch's turn on the chain (when the chain is idle, on the
    // next turn; else right after the commit in flight); later ones ride along with it.
    if (room.outbox.length === 1) void room.exclusive(() => nextTurn().then(() => commitOutbox(room)))
  })
}

/**
 * Resolves on the runtime's next turn (a zero-delay timer, HTML's timer task: it runs after the
 * events already queued). The runtime delivers each socket frame as its own event, with its promise
 * jobs run before the next one; a commit started from those jobs took its first frame alone and left
 * the frames right behind it, delivered in the same read from the network, for a commit of their
 * own. Measured (issue #16, 10 rooms x 20 at saturation): batches 1.35 -> 2.4 messages, stored msg/s
 * about 1,250 -> 2,400 (the load's ceiling), server CPU per message 917 -> 490 µs.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

/**
 * A reply must answer a member's message of this chat that is not deleted: `not_found` for no such
 * message (a change entry's seq is none) or a deleted one, `invalid_request` for a system message.
 * The target may still be deleted before the batch commits; the reply then shows it as deleted.
 */
function requireReplyTarget(room: Room, seq: number): void {
  const target = findMessage(room.db, seq)
  if (!target || target.deletedAtMs !== null) throw new AppError('not_found', 'No such message to reply to.', 'reply_to')
  if (target.kind !== 'message') throw new AppError('invalid_request', '"reply_to" must be a member\'s message, not a system message.', 'reply_to')
}

/**
 * A send carrying attachment ids (#13): they are claimed for the new message in D1 first (one
 * statement, all or none), then it joins the outbox like any send; if it is not stored, the claim is
 * released. A resend whose client_id is already stored skips the claim (its original holds the files)
 * and is answered as a duplicate.
 */
export async function publishWithAttachments(
  room: Room,
  sender: Sender,
  send: { text: string; clientId: string | null; attachmentIds: readonly string[]; replyTo: number | null },
  ackTo: WebSocket | null = null,
): Promise<SendResponse> {
  const { text, clientId, attachmentIds, replyTo } = send
  if (replyTo !== null) requireReplyTarget(room, replyTo)
  const messageId = crypto.randomUUID()
  let attachments: AttachmentBody[]
  try {
    attachments = await claimForSend(room, sender, attachmentIds, messageId)
  } catch (err) {
    if (clientId !== null && findByClientId(room.db, sender.userId, clientId)) return publishMessage(room, sender, text, clientId, ackTo, replyTo)
    throw err
  }
  try {
    const response = await enqueue(room, { sender, text, clientId, replyTo, ackTo, messageId, attachments })
    if (response.duplicate) await releaseForSend(room, messageId)
    return response
  } catch (err) {
    await releaseForSend(room, messageId)
    throw err
  }
}

async function commitOutbox(room: Room): Promise<void> {
  const batch = refuseRemoved(room, room.outbox.splice(0))
  if (batch.length === 0) return
  try {
    await commitBatch(room, batch)
  } catch (err) {
    // Sealing or the transaction failed (rolled back: nothing stored), or the commit could not be
    // confirmed (then the object's storage is broken and the runtime resets it); senders get an error.
    for (const pending of batch) pending.reject(err)
  }
}

/**
 * Sends of users removed after they were taken (`removeMember` ran between the frame, or the REST
 * route's D1 check, and this batch) are refused, not stored: their sockets are closed already.
 */
function refuseRemoved(room: Room, batch: PendingSend[]): PendingSend[] {
  if (room.removed.size === 0) return batch
  return batch.filter((pending) => {
    if (!room.removed.has(pending.sender.userId)) return true
    pending.reject(new AppError('not_member', 'You are no longer a member of this chat.'))
    return false
  })
}

/** A message to store and the sends it answers: the first, then same-batch resends of its client_id. */
interface Draft {
  first: PendingSend
  resends: PendingSend[]
}

/** Groups a batch by (sender, client_id): a resend inside the same batch is stored once. */
function draftsOf(batch: PendingSend[]): Draft[] {
  const drafts: Draft[] = []
  const byClientId = new Map<string, Draft>()
  for (const pending of batch) {
    const key = pending.clientId === null ? null : `${pending.sender.userId}:${pending.clientId}`
    const original = key === null ? undefined : byClientId.get(key)
    if (original) {
      original.resends.push(pending)
      continue
    }
    const draft: Draft = { first: pending, resends: [] }
    drafts.push(draft)
    if (key !== null) byClientId.set(key, draft)
  }
  return drafts
}

/** Assigns the next seqs in arrival order and encrypts every text concurrently (the AAD names the seq). */
async function sealAll(room: Room, drafts: Draft[]): Promise<StoredMessage[]> {
  const createdAtMs = Date.now()
  const stored = await Promise.all(
    drafts.map(({ first }, i) => sealMessage(room, room.lastSeq + 1 + i, first.sender, first.text, first.clientId, createdAtMs, first.messageId ?? undefined)),
  )
  drafts.forEach(({ first }, i) => {
    if (first.replyTo !== null) stored[i]!.replyTo = first.replyTo
  })
  return stored
}

/**
 * Seq order, one transaction, then broadcast and ack in seq order: the batch's one `messages` frame to
 * the v2 sockets first, then each message's `message` frame to the v1 sockets followed by its ack, so
 * every ack follows the frame holding its message on every protocol.
 */
async function commitBatch(room: Room, batch: PendingSend[]): Promise<void> {
  let drafts = draftsOf(batch)
  let stored = await sealAll(room, drafts)
  let resent: Promise<void>[] = []
  if (!tryStore(room, stored)) {
    // A resend of a message stored by an earlier batch (rare: a client retrying after a reconnect).
    // The seqs were assigned assuming it was new; answer resends from storage and redo the rest.
    const split = answerStoredResends(room, drafts)
    drafts = split.fresh
    resent = split.answered
    stored = await sealAll(room, drafts)
    if (!tryStore(room, stored)) throw new Error('a message conflicted after its resends were removed')
  }
  meterBatch(room.ctx, stored.length)
  // Listed in the same synchronous step that advanced lastSeq: a socket accepted from now on got a
  // ready frame naming these seqs and must not receive them again.
  const sockets = listSockets(room.ctx)
  // Only replies cost more: their originals are read and decrypted for the quote.
  const previews = stored.some((m) => m.replyTo !== null) ? await replyPreviews(room, stored) : null
  // Send only once the commit is confirmed. The output gate would hold the frames until then anyway,
  // but holding costs per frame per socket; waiting here costs once per batch, and the sends that
  // arrive meanwhile form the next batch (one commit in flight, as in a database's group commit).
  await room.ctx.storage.sync()
  const entries = drafts.map(({ first }, i) => {
    const message = toBody(room.chatId, stored[i]!, first.text)
    if (previews && first.replyTo !== null) message.reply_to = previews.get(first.replyTo) ?? null
    message.attachments = first.attachments
    // Each body is serialized once; the `messages` frame, each `message` frame and the shards reuse the text.
    return { message, seq: message.seq, body: JSON.stringify(message) }
  })
  const logEntries = entries.map(({ seq, body }) => ({ seq, body }))
  // `edge-chat.v2` sockets: the whole batch as one frame, one send per socket instead of one per message.
  if (sockets.batched.length > 0) for (const payload of batchedPayloads(logEntries)) broadcastTo(sockets.batched, payload)
  drafts.forEach(({ first, resends }, i) => {
    const { message, body } = entries[i]!
    if (sockets.unbatched.length > 0) broadcastTo(sockets.unbatched, messageFrameOf(body))
    // The seed's clients get the message body alone, serialized once for all of them.
    if (sockets.legacy.length > 0) broadcastTo(sockets.legacy, JSON.stringify(toLegacyFrame(message)))
    answer(first, message, false)
    for (const pending of resends) answer(pending, message, true)
  })
  // A sharded group's other sockets: one call per shard for the whole batch, before any ack's awaiter
  // runs. Bodies only: each shard builds the `message` and `messages` frames its sockets need from them.
  feedShards(room.ctx, logEntries)
  if (drafts.length > 0) messagesStored(room)
  await Promise.all(resent)
}

/**
 * Stores the batch in one transaction, with each sender's read cursor moved past their own newest
 * message (one cursor write per sender, not per message). False, with nothing stored, on a resend.
 */
function tryStore(room: Room, stored: StoredMessage[]): boolean {
  if (stored.length === 0) return true
  const sql = room.ctx.storage.sql
  let resend = false
  try {
    room.ctx.storage.transactionSync(() => {
      const ownNewest = new Map<number, number>()
      for (const m of stored) {
        resend = !insertMessage(sql, m)
        // Throwing rolls the whole batch back: a skipped row would leave a gap in the seqs.
        if (resend) throw new Error('resend')
        ownNewest.set(m.senderId, m.seq)
      }
      for (const [userId, seq] of ownNewest) advanceReadCursor(sql, userId, seq)
    })
  } catch (err) {
    if (resend) return false
    throw err
  }
  room.lastSeq = stored[stored.length - 1]!.seq
  return true
}

/** Acks every draft whose client_id is already stored as a duplicate; returns the others. */
function answerStoredResends(room: Room, drafts: Draft[]): { fresh: Draft[]; answered: Promise<void>[] } {
  const fresh: Draft[] = []
  const answered: Promise<void>[] = []
  for (const draft of drafts) {
    const { first, resends } = draft
    const existing = first.clientId === null ? null : findByClientId(room.db, first.sender.userId, first.clientId)
    if (!existing) {
      fresh.push(draft)
      continue
    }
    answered.push(
      loadBodies(room, [existing]).then(([message]) => {
        for (const pending of [first, ...resends]) answer(pending, message!, true)
      }),
    )
  }
  return { fresh, answered }
}

function answer(pending: PendingSend, message: MessageBody, duplicate: boolean): void {
  if (pending.ackTo) sendFrame(pending.ackTo, { type: 'ack', client_id: pending.clientId, id: message.id, seq: message.seq, duplicate })
  pending.resolve({ message, duplicate })
}
