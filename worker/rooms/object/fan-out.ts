import type { MessageBody } from '../../../protocol/http'
import type { LegacyMessageFrame, ServerFrame } from '../../../protocol/socket'
import type { ShardEntry } from '../shard/plan'
import { notifyShards } from './shards'
import { BATCH_TAG, LEGACY_TAG, type SocketEntry } from './sockets'

/**
 * The room's open sockets by protocol. `current` is every socket speaking our frames (`edge-chat.v1`
 * and v2 alike: anything but a stored message's broadcast goes to all of them the same way);
 * `batched` (v2) and `unbatched` (v1) split it for a commit's messages (`log/commit.ts`); `legacy`
 * gets the seed's frames.
 */
export interface SocketLists {
  current: WebSocket[]
  batched: WebSocket[]
  unbatched: WebSocket[]
  legacy: WebSocket[]
}

/**
 * Lists the sockets once per batch: `getWebSockets` builds every socket object per call. One listing
 * per tag; a tag nobody has costs a listing of zero sockets, and a room whose sockets all speak one
 * protocol (the usual case) does no filtering.
 */
export function listSockets(ctx: DurableObjectState): SocketLists {
  const all = ctx.getWebSockets()
  const legacy = ctx.getWebSockets(LEGACY_TAG)
  const batched = ctx.getWebSockets(BATCH_TAG)
  const current = legacy.length === 0 ? all : without(all, legacy)
  if (batched.length === 0) return { current, batched, unbatched: current, legacy }
  // `batched` is a subset of `current`, each socket once: equal lengths mean equal lists.
  const unbatched = batched.length === current.length ? [] : without(current, batched)
  return { current, batched, unbatched, legacy }
}

function without(sockets: WebSocket[], left: WebSocket[]): WebSocket[] {
  const out = new Set(left)
  return sockets.filter((ws) => !out.has(ws))
}

/**
 * Sends one already-serialized unsequenced frame (a typing notice) to every `edge-chat.v1` and v2 socket:
 * one JSON.stringify per frame, not per member; a sharded group's other sockets get it through one
 * call per shard. Stored entries reach the shards with their seq instead (`shards.ts` feedShards).
 */
export function broadcast(ctx: DurableObjectState, payload: string, except?: WebSocket): void {
  broadcastTo(listSockets(ctx).current, payload, except)
  notifyShards(ctx, payload)
}

/** Like `broadcast` to sockets already listed (`listSockets`). */
export function broadcastTo(sockets: WebSocket[], payload: string, except?: WebSocket): void {
  for (const ws of sockets) {
    if (ws === except) continue
    sendRaw(ws, payload)
  }
}

/** `{"type":"message",...body}` from a MessageBody's JSON, the same text JSON.stringify of the frame gives. */
export function messageFrameOf(body: string): string {
  return `{"type":"message",${body.slice(1)}`
}

/** A MessagesFrame from its bodies' JSON, in seq order, without serializing them again. */
export function messagesFrameOf(bodies: string[]): string {
  return `{"type":"messages","messages":[${bodies.join(',')}]}`
}

/** The frame an `edge-chat.v1` socket gets for a serialized log entry (`ShardEntry`). */
export function entryPayload(entry: ShardEntry): string {
  return entry.body === undefined ? entry.frame : messageFrameOf(entry.body)
}

/**
 * Bounds on one `messages` frame: a replay page (200 entries) of long messages would otherwise be one
 * frame of megabytes (seen in review: 3.2 MB), which a phone must buffer whole before it can show the
 * first message. Longer runs go as several frames, in order. Chars are UTF-16 units of the bodies' JSON
 * (up to 3 bytes each in UTF-8).
 */
export const MESSAGES_FRAME_MAX = 100
export const MESSAGES_FRAME_MAX_CHARS = 256 * 1024

/**
 * The frames an `edge-chat.v2` socket gets for serialized log entries in seq order: each run of 2+
 * consecutive message entries as one `messages` frame (split at MESSAGES_FRAME_MAX messages or
 * MESSAGES_FRAME_MAX_CHARS), a run of one as its `message` frame, and every
 * other entry (a `message_updated`) as its own frame in its place. The one coalescing rule of a
 * replay page (`admission.ts`) and of a shard's batches and fills (`shard/stream.ts`); the room's
 * live commit is a run by construction (`log/commit.ts`).
 */
export function batchedPayloads(entries: readonly ShardEntry[]): string[] {
  const payloads: string[] = []
  let run: string[] = []
  let runChars = 0
  const flush = () => {
    if (run.length === 1) payloads.push(messageFrameOf(run[0]!))
    else if (run.length > 1) payloads.push(messagesFrameOf(run))
    run = []
    runChars = 0
  }
  for (const entry of entries) {
    if (entry.body !== undefined) {
      if (run.length > 0 && (run.length >= MESSAGES_FRAME_MAX || runChars + entry.body.length > MESSAGES_FRAME_MAX_CHARS)) flush()
      run.push(entry.body)
      runChars += entry.body.length
      continue
    }
    flush()
    payloads.push(entry.frame)
  }
  flush()
  return payloads
}

/** One socket as `sendEntries` takes its sockets: a replay or a joiner gets what its protocol asks for. */
export function oneSocket(ws: WebSocket, batched: boolean): Pick<SocketLists, 'batched' | 'unbatched'> {
  return batched ? { batched: [ws], unbatched: [] } : { batched: [], unbatched: [ws] }
}

/**
 * Serialized log entries (seq order) to listed sockets: v1 ones (`unbatched`) one frame per entry,
 * v2 ones (`batched`) with runs of messages coalesced (`batchedPayloads`). Each frame is built once
 * for all sockets of its kind.
 */
export function sendEntries(sockets: Pick<SocketLists, 'batched' | 'unbatched'>, entries: readonly ShardEntry[]): void {
  if (entries.length === 0) return
  if (sockets.batched.length > 0) for (const payload of batchedPayloads(entries)) broadcastTo(sockets.batched, payload)
  if (sockets.unbatched.length > 0) for (const entry of entries) broadcastTo(sockets.unbatched, entryPayload(entry))
}

/** A message in the seed's shape, for sockets without a subprotocol. */
export function toLegacyFrame(m: MessageBody): LegacyMessageFrame {
  return { id: m.id, seq: m.seq, chat_id: m.chat_id, sender: m.sender, sender_id: m.sender_id, message: m.message, created_at: m.created_at, client_id: m.client_id }
}

export function sendFrame(ws: WebSocket, frame: ServerFrame | LegacyMessageFrame): void {
  sendRaw(ws, JSON.stringify(frame))
}

// A socket can be closing while we send; that peer is gone and the others must still get the frame.
function sendRaw(ws: WebSocket, payload: string): void {
  try {
    ws.send(payload)
  } catch {}
}

export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason)
  } catch {}
}

/**
 * A close the server decided (1009, 4001, 4002, 4029, 1011 on a frame or the expiry alarm). Frames
 * taken before it are answered first: a send waiting for its batch gets its ack (or error frame),
 * then the close goes out, from `settleFrame` once the last of them is done. From now on the socket's
 * frames are ignored (`handleFrame`), so nothing is stored that the client will not see confirmed.
 * The first close decided wins.
 */
export function closeWhenSettled(ws: WebSocket, socket: SocketEntry, code: number, reason: string): void {
  if (socket.closing) return
  socket.closing = { code, reason, sent: false }
  if (socket.inFlight === 0) sendClose(ws, socket)
}

/** Closes at once, without waiting for frames in flight: a removed member must not see one more message. */
export function closeNow(ws: WebSocket, socket: SocketEntry | null, code: number, reason: string): void {
  if (!socket) return closeSocket(ws, code, reason)
  socket.closing = { code, reason, sent: false }
  sendClose(ws, socket)
}

/** One frame of the socket is fully answered; the last one out sends a pending close. */
export function settleFrame(ws: WebSocket, socket: SocketEntry): void {
  socket.inFlight -= 1
  if (socket.inFlight === 0 && socket.closing) sendClose(ws, socket)
}

function sendClose(ws: WebSocket, socket: SocketEntry): void {
  const closing = socket.closing
  if (!closing || closing.sent) return
  closing.sent = true
  closeSocket(ws, closing.code, closing.reason)
}
