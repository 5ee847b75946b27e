import type { ComponentChildren } from 'preact'
import { retryMessage } from '../state/room'
import type { ViewMessage } from '../state/messages'
import { TimeLabel } from './time-label'
import { UserText } from './user-text'

/** One message; `receipt` ("Seen", "Seen by N") goes under it when it is the newest own message read. */
export function MessageItem({ message, isOwn, showSender, receipt }: { message: ViewMessage; isOwn: boolean; showSender: boolean; receipt?: ComponentChildren }) {
  return (
    <li class={`message${isOwn ? ' own' : ''} is-${message.status}`} data-seq={message.seq ?? undefined}>
      {showSender && !isOwn && <UserText class="sender" text={message.sender} />}
      {/* Text children only: Preact escapes it, so markup in a message is shown, never run. dir="auto"
          gives each message its own direction (CSS: unicode-bidi: plaintext, per line). */}
      <p class={`bubble${message.text === null ? ' unavailable' : ''}`} dir="auto">{message.text ?? 'This message is unavailable.'}</p>
      <span class="meta">
        {isOwn && <span class="visually-hidden">You, </span>}
        <TimeLabel iso={message.createdAt} />
        {message.status === 'pending' && <span class="delivery"> · Sending…</span>}
        {message.status === 'failed' && (
          <span class="delivery failed">
            {' · Not sent. '}
            <button type="button" class="link-button" onClick={() => message.clientId && retryMessage(message.clientId)}>
              Retry
            </button>
          </span>
        )}
      </span>
      {receipt}
    </li>
  )
}
