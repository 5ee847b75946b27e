// Used on both sides of the room's door: the Worker writes the verified member into MEMBER_HEADER
// (upgrade.ts), and the Durable Object reads it back and keeps it as the socket's attachment
// (object/). So it lives at rooms/ top level, and imports nothing of either side.
import * as v from 'valibot'
import { jsonInteger } from '../../protocol/fields'

const PositiveInt = jsonInteger({ min: 1, message: 'must be a positive integer.' })

/** Who a socket (or an RPC caller) is, as verified by the worker before it reached the room. */
const MemberSchema = v.object({
  userId: PositiveInt,
  username: v.string(),
  /** When the access token that opened (or last renewed) the socket expires. */
  tokenExpiresAtMs: PositiveInt,
  /** The session (`sid`) of that token, so a revocation finds its sockets; absent on sockets opened before it was recorded. */
  sessionId: v.optional(v.string()),
})
export type Member = v.InferOutput<typeof MemberSchema>

/** A socket's attachment: who it is, so hibernation keeps it. Older attachments also held a flood bucket. */
export interface SocketAttachment {
  member: Member
}

/** The worker puts the verified member here; it deletes any copy the client sent first. */
export const MEMBER_HEADER = 'X-Chat-Member'

export function encodeMember(member: Member): string {
  return JSON.stringify(member)
}

export function decodeMember(raw: string | null): Member | null {
  if (raw === null) return null
  try {
    return toMember(JSON.parse(raw))
  } catch {
    return null
  }
}

function toMember(value: unknown): Member | null {
  const result = v.safeParse(MemberSchema, value)
  return result.success ? result.output : null
}

/** The socket's member, or null when its attachment is missing or malformed (as partyserver does). */
export function readMember(ws: WebSocket): Member | null {
  const raw: unknown = ws.deserializeAttachment()
  return typeof raw === 'object' && raw !== null && 'member' in raw ? toMember(raw.member) : null
}

export function writeMember(ws: WebSocket, member: Member): void {
  const attachment: SocketAttachment = { member }
  ws.serializeAttachment(attachment)
}

/** Sockets are tagged by user id, so one member's sockets are found without a scan. */
export function memberTag(userId: number): string {
  return String(userId)
}
