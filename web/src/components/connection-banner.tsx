import { connection } from '../state/room'

const TEXT = {
  connecting: 'Connecting…',
  reconnecting: 'Connection lost. Reconnecting…',
  offline: "You're offline. Messages you write will be sent when you're back.",
} as const

/** Always in the DOM so screen readers announce changes; empty while connected. */
export function ConnectionBanner() {
  const status = connection.value
  const text = status === 'open' || status === 'closed' ? null : TEXT[status]
  return (
    <div class={`connection-banner${text ? ` is-${status}` : ''}`} role="status" data-status={status}>
      {text}
    </div>
  )
}
