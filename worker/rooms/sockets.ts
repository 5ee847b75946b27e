import { fullBucket, type FloodBucket } from './flood'
import { readMember, writeMember, type Member } from './member'

/** What the room needs on every frame of a socket. */
export interface SocketEntry {
  member: Member
  flood: FloodBucket
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
 */
const entries = new WeakMap<WebSocket, SocketEntry>()

/** The socket's entry, rebuilt from its attachment on a miss; null when the attachment is invalid. */
export function socketEntry(ws: WebSocket, nowMs: number): SocketEntry | null {
  const cached = entries.get(ws)
  if (cached) return cached
  const member = readMember(ws)
  if (!member) return null
  const entry: SocketEntry = { member, flood: fullBucket(nowMs) }
  entries.set(ws, entry)
  return entry
}

/** Records who the socket is: in its attachment (kept across hibernation) and in memory. */
export function setMember(ws: WebSocket, member: Member, nowMs: number): void {
  writeMember(ws, member)
  const entry = entries.get(ws)
  if (entry) entry.member = member
  else entries.set(ws, { member, flood: fullBucket(nowMs) })
}

/** Forgets a socket's memory as hibernation does: for tests that rewrite an attachment directly. */
export function forgetSocket(ws: WebSocket): void {
  entries.delete(ws)
}
