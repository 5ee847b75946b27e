import type { ComponentChildren } from 'preact'
import type { ViewMessage } from '../state/messages'
import { LinkedText } from './linked-text'

/**
 * A message's bubble, in slots: `quote` (the reply preview) on top, then the text, then
 * `attachments` (#13), then `footer` (the "edited" marker). A deleted message shows a placeholder
 * and nothing else; text the server could not decrypt shows as unavailable.
 */
export function MessageBubble({ message, quote, attachments, footer }: { message: ViewMessage; quote?: ComponentChildren; attachments?: ComponentChildren; footer?: ComponentChildren }) {
  if (message.isDeleted) return <p class="bubble placeholder">Message deleted</p>
  return (
    <div class="bubble">
      {quote}
      {/* Text children only: Preact escapes it, so markup in a message is shown, never run. dir="auto"
          gives each message its own direction (CSS: unicode-bidi: plaintext, per line). */}
      {message.text === null ? (
        <p class="bubble-text unavailable">This message is unavailable.</p>
      ) : (
        message.text !== '' && (
          <p class="bubble-text" dir="auto">
            <LinkedText text={message.text} />
          </p>
        )
      )}
      {attachments}
      {footer}
    </div>
  )
}
