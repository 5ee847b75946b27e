/** Who a socket (or an RPC caller) is, as verified by the worker before it reached the room. */
export interface Member {
  userId: number
  username: string
  /** When the access token that opened (or last renewed) the socket expires. */
  tokenExpiresAtMs: number
}

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

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function toMember(value: unknown): Member | null {
  if (!isRecord(value)) return null
  const { userId, username, tokenExpiresAtMs } = value
  if (!isPositiveInt(userId) || !isPositiveInt(tokenExpiresAtMs)) return null
  if (typeof username !== 'string') return null
  return { userId, username, tokenExpiresAtMs }
}

/** The socket's member, or null when its attachment is missing or malformed (as partyserver does). */
export function readMember(ws: WebSocket): Member | null {
  const raw: unknown = ws.deserializeAttachment()
  return isRecord(raw) ? toMember(raw.member) : null
}

export function writeMember(ws: WebSocket, member: Member): void {
  const attachment: SocketAttachment = { member }
  ws.serializeAttachment(attachment)
}

/** Sockets are tagged by user id, so one member's sockets are found without a scan. */
export function memberTag(userId: number): string {
  return String(userId)
}
