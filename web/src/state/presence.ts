import { signal } from '@preact/signals'
import type { PresenceBody } from '../../../protocol'
import { formatMessageTime } from '../utils/time'

/**
 * The channel's `presence` reports since its last `ready`, by user id. A REST row that carries
 * presence (a 1:1 chat's `peer`, a group member) is the fallback for anyone not reported: the
 * channel only reports who is online at `ready`, then every change.
 */
export const presence = signal<ReadonlyMap<number, PresenceBody>>(new Map())

export function notePresence(userId: number, { online, last_seen_at }: PresenceBody): void {
  const known = presence.value.get(userId)
  if (known?.online === online && known.last_seen_at === last_seen_at) return
  presence.value = new Map(presence.value).set(userId, { online, last_seen_at })
}

/** On the channel's `ready` (reports missed while disconnected are stale) and on sign-out. */
export function clearPresence(): void {
  if (presence.value.size > 0) presence.value = new Map()
}

/** The channel's report for `userId`, else what a REST row said (`row`); null when neither knows. */
export function presenceOf(userId: number, row?: PresenceBody | null): PresenceBody | null {
  const live = presence.value.get(userId)
  if (live) return live
  return row && typeof row.online === 'boolean' ? { online: row.online, last_seen_at: row.last_seen_at ?? null } : null
}

/**
 * "online", "last seen 5 min ago", "last seen Nov 24, 14:05" (formatMessageTime's rules), or ""
 * when unknown or never seen (no channel ever opened). `nowMs` comes from state/clock, so it ages.
 */
export function describePresence(body: PresenceBody | null, nowMs: number, locale?: string): string {
  if (!body) return ''
  if (body.online) return 'online'
  if (!body.last_seen_at) return ''
  const when = formatMessageTime(body.last_seen_at, nowMs, locale)
  return when ? `last seen ${when}` : ''
}
