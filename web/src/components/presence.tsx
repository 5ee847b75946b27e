import type { PresenceBody } from '../../../protocol'
import { now } from '../state/clock'
import { describePresence, presenceOf } from '../state/presence'

/** A green dot beside a 1:1 row's avatar while the peer is online; its text alternative is "online". */
export function PresenceDot({ userId, row }: { userId: number; row?: PresenceBody | null }) {
  if (!presenceOf(userId, row)?.online) return null
  return (
    <span class="presence-dot">
      <span class="visually-hidden">online</span>
    </span>
  )
}

/** "online" or "last seen 5 min ago" (ages with state/clock); `fallback` (or nothing) when unknown. */
export function PresenceText({ userId, row, fallback, class: className }: { userId: number; row?: PresenceBody | null; fallback?: string; class?: string }) {
  const body = presenceOf(userId, row)
  const text = describePresence(body, now.value)
  if (!text) return fallback ? <span class={className}>{fallback}</span> : null
  return <span class={`presence${body?.online ? ' is-online' : ''}${className ? ` ${className}` : ''}`}>{text}</span>
}
