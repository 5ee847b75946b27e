import type { ReplyPreview } from '../../../protocol'
import { jumpToMessage } from '../state/room'
import { UserText } from './user-text'

/** The quoted original above a reply; activating it scrolls to the original, loading older pages if needed. */
export function ReplyQuote({ reply }: { reply: ReplyPreview }) {
  return (
    <button type="button" class="quote" onClick={() => void jumpToMessage(reply.seq)} aria-label={`Reply to ${reply.sender}: ${reply.preview ?? 'deleted message'}. Show the original`}>
      <UserText class="quote-sender" text={reply.sender} />
      <span class="quote-text">{reply.preview === null ? 'Message deleted' : <UserText text={reply.preview} />}</span>
    </button>
  )
}
