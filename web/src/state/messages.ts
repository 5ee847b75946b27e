import type { AckFrame, MessageBody } from '../../../protocol'

export type DeliveryStatus = 'pending' | 'sent' | 'failed'

/** A message as the room shows it: stored ones have a seq; our own unsent ones only a client id. */
export interface ViewMessage {
  key: string
  seq: number | null
  clientId: string | null
  senderId: number
  sender: string
  /** Null when the server could not decrypt it. */
  text: string | null
  createdAt: string
  status: DeliveryStatus
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
  }
}

export function pendingMessage(clientId: string, text: string, me: { userid: number; username: string }, nowIso: string): ViewMessage {
  return { key: `c${clientId}`, seq: null, clientId, senderId: me.userid, sender: me.username, text, createdAt: nowIso, status: 'pending' }
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
