import type { ReplyPreview } from '../../../protocol'
import { jumpToMessage } from '../state/room'
import { UserText } from './user-text'

/** The quoted original above a reply; activating it scrolls to the original, loading older pages if needed. */
export function ReplyQuote({ reply }: { reply: ReplyPreview }) {
  return (
    <button type="button" class="quote" onClick={() => void jumpToMessage(reply.seq)}>
      {/* The hidden words make the button's name a sentence; its visible text stays part of it (WCAG 2.5.3). */}
      <span class="quote-sender">
        <span class="visually-hidden">Reply to </span>
        <UserText text={reply.sender} />
        <span class="visually-hidden">:</span>
      </span>
      <span class="quote-text">{reply.preview === null ? 'Message deleted' : <UserText text={reply.preview} />}</span>
      <span class="visually-hidden">. Show the original</span>
    </button>
  )
}
