import { FRAME_BURST, FRAMES_PER_SECOND, SUBPROTOCOL, SUBPROTOCOL_V2 } from '../../../protocol/socket'
import { readMember, writeMember, type Member } from '../member'

// Per-socket state inside the room: who the socket is (attachment + cache), which protocol it
// speaks (tag), its flood bucket, and the frames still being answered before a close.

/**
 * The tag of a socket that asked for no subprotocol: a client of the seed's API, sent message frames
 * only, in the seed's shape. A tag, not an attachment field: it is set once at accept, survives
 * hibernation, cannot be lost by a renewal rewriting the attachment, and `getWebSockets(LEGACY_TAG)`
 * lists these sockets without touching the others. User ids are numeric tags, so it cannot collide.
 */
export const LEGACY_TAG = 'legacy'

/**
 * The tag of a socket that speaks `edge-chat.v2`: a commit of several messages reaches it as one
 * `messages` frame (`log/commit.ts`). A tag for the same reasons as LEGACY_TAG.
 */
export const BATCH_TAG = 'batch'

/** How the room speaks to a socket: the seed's frames, `edge-chat.v1`, or v1 plus `messages` (v2). */
export type SocketKind = 'legacy' | 'current' | 'batched'

/** The kind of a socket from the subprotocol the worker chose for it (`rooms/subprotocol.ts`); none = the seed's client. */
export function socketKindOf(subprotocol: string | null): SocketKind {
  if (subprotocol === SUBPROTOCOL_V2) return 'batched'
  return subprotocol === SUBPROTOCOL ? 'current' : 'legacy'
}

/** The tags a socket of `kind` is accepted with, besides its member's. */
export function kindTags(kind: SocketKind): string[] {
  if (kind === 'legacy') return [LEGACY_TAG]
  return kind === 'batched' ? [BATCH_TAG] : []
}

/** The kind of an accepted socket from its tags (the inverse of `kindTags`). */
function kindOfTags(tags: string[]): SocketKind {
  if (tags.includes(LEGACY_TAG)) return 'legacy'
  return tags.includes(BATCH_TAG) ? 'batched' : 'current'
}

/** What the room needs on every frame of a socket. */
export interface SocketEntry {
  member: Member
  flood: FloodBucket
  /** Tagged LEGACY_TAG: gets only message frames (no ready, ack, error, typing, pong...). */
  legacy: boolean
  /** Tagged BATCH_TAG (`edge-chat.v2`): a replay page goes out as one `messages` frame. */
  batched: boolean
  /** Frames of this socket still being handled (a send waits for its batch's commit and ack). */
  inFlight: number
  /** A close the server decided; it is sent once `inFlight` reaches 0 (`fan-out.ts`). */
  closing: PendingClose | null
}

export interface PendingClose {
  code: number
  reason: string
  /** The close frame went out. */
  sent: boolean
}

/**
 * Per-socket memory, so a frame costs no attachment deserialize + validate + serialize (about 6 % of
 * the room's CPU under load, measured). Keyed weakly by the socket: an entry goes away with its socket,
 * and after hibernation the runtime hands out new socket objects, so the cache starts empty.
 * - `member` is a copy of the attachment. The attachment stays the source of truth, written on accept
 *   and on renewal (`setMember`), so identity survives hibernation.
 * - `flood` lives only here. An object hibernates only after its sockets were idle, by which time a
 *   bucket has refilled anyway, so a wake-up starts with a full one and loses nothing. An eviction
 *   mid-flood (a deploy, a crash) gives a flooder at most one more burst before refusals resume.
 * - `inFlight` and `closing` live only here too: a socket with a frame being handled keeps the
 *   object awake, so a hibernated socket has neither.
 */
const entries = new WeakMap<WebSocket, SocketEntry>()

/** The socket's entry, rebuilt from its attachment and tags on a miss; null when the attachment is invalid. */
export function socketEntry(ctx: DurableObjectState, ws: WebSocket, nowMs: number): SocketEntry | null {
  const cached = entries.get(ws)
  if (cached) return cached
  const member = readMember(ws)
  if (!member) return null
  return addEntry(ws, member, kindOfTags(ctx.getTags(ws)), nowMs)
}

/**
 * A socket just accepted (with `kindTags(kind)`): who it is goes into its attachment (kept across
 * hibernation) and memory.
 */
export function addSocket(ws: WebSocket, member: Member, kind: SocketKind, nowMs: number): SocketEntry {
  writeMember(ws, member)
  return addEntry(ws, member, kind, nowMs)
}

/** A renewal: the attachment and the cached copy change together. */
export function renewMember(ws: WebSocket, socket: SocketEntry, member: Member): void {
  writeMember(ws, member)
  socket.member = member
}

function addEntry(ws: WebSocket, member: Member, kind: SocketKind, nowMs: number): SocketEntry {
  const entry: SocketEntry = { member, flood: fullBucket(nowMs), legacy: kind === 'legacy', batched: kind === 'batched', inFlight: 0, closing: null }
  entries.set(ws, entry)
  return entry
}

/** Forgets a socket's memory as hibernation does: for tests that rewrite an attachment directly. */
export function forgetSocket(ws: WebSocket): void {
  entries.delete(ws)
}

/** A per-socket token bucket, kept in memory only (see `entries` for why hibernation does not need it). */
export interface FloodBucket {
  tokens: number
  updatedAtMs: number
  /** Refused frames, draining at FRAMES_PER_SECOND like the tokens refill; past FRAME_BURST the socket is closed. */
  refusals: number
}

export type FloodVerdict = 'allow' | 'refuse' | 'close'

export function fullBucket(nowMs: number): FloodBucket {
  return { tokens: FRAME_BURST, updatedAtMs: nowMs, refusals: 0 }
}

/** Takes one token for a frame. Pure: returns the new bucket and what to do with the frame. */
export function takeToken(bucket: FloodBucket, nowMs: number): { bucket: FloodBucket; verdict: FloodVerdict } {
  const refill = (Math.max(0, nowMs - bucket.updatedAtMs) * FRAMES_PER_SECOND) / 1000
  const tokens = Math.min(FRAME_BURST, bucket.tokens + refill)
  // Refusals drain rather than reset, so a flood that a refilled token briefly lets through still ends in a close.
  const drained = Math.max(0, bucket.refusals - refill)
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, updatedAtMs: nowMs, refusals: drained }, verdict: 'allow' }
  const refusals = drained + 1
  return { bucket: { tokens, updatedAtMs: nowMs, refusals }, verdict: refusals > FRAME_BURST ? 'close' : 'refuse' }
}
