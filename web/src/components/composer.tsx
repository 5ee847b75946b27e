import { useEffect, useRef, useState } from 'preact/hooks'
import { checkDraft } from '../state/draft'
import { actionError, cancelCompose, editing, noteTyping, replyingTo, saveEdit, sendMessage, startEdit } from '../state/room'
import { UserText } from './user-text'

const MAX_HEIGHT_PX = 200

/**
 * The message field. Enter sends (Shift+Enter: new line). It also edits: Up arrow in an empty
 * field edits one's last message, and the menu's Edit puts that text here; Escape cancels an edit
 * or a reply. What it answers or edits is shown above it.
 */
export function Composer({ isDisabled }: { isDisabled?: boolean }) {
  const [text, setText] = useState('')
  const input = useRef<HTMLTextAreaElement>(null)
  const draft = checkDraft(text)
  const canSend = !isDisabled && draft.canSend
  const edited = editing.value
  const reply = replyingTo.value

  const resize = () => {
    const el = input.current
    if (!el) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`
  }
  // Starting an edit fills the field with the message; ending it (saved, cancelled) empties it.
  const wasEditing = useRef(false)
  useEffect(() => {
    if (edited) setText(edited.text ?? '')
    else if (wasEditing.current) setText('')
    wasEditing.current = edited !== null
    requestAnimationFrame(resize)
  }, [edited])

  const submit = () => {
    if (!canSend) return
    if (edited ? !saveEdit(text) : !sendMessage(text)) return
    setText('')
    requestAnimationFrame(resize)
  }
  const onKeyDown = (ev: KeyboardEvent) => {
    // Enter sends, Shift+Enter is a new line; never send mid-composition (IME input).
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault()
      submit()
    } else if (ev.key === 'ArrowUp' && text === '' && !ev.isComposing && !ev.shiftKey && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
      if (startEdit()) ev.preventDefault()
    } else if (ev.key === 'Escape' && (edited || reply)) {
      ev.preventDefault()
      cancelCompose()
    }
  }
  return (
    <form
      class="composer"
      onSubmit={(ev) => {
        ev.preventDefault()
        submit()
      }}
    >
      {actionError.value && (
        <p class="composer-context error" role="alert">
          {actionError.value}
        </p>
      )}
      {(edited || reply) && (
        <div class="composer-context">
          <p>
            {edited ? (
              'Editing your message'
            ) : (
              <>
                Replying to <UserText class="quote-sender" text={reply!.sender} />
                {reply!.text !== null && (
                  <>
                    {': '}
                    <UserText class="quote-text" text={reply!.text.split('\n')[0]!} />
                  </>
                )}
              </>
            )}
          </p>
          <button type="button" class="icon-button small" aria-label={edited ? 'Cancel editing' : 'Cancel reply'} onClick={cancelCompose}>
            ✕
          </button>
        </div>
      )}
      <label for="composer-input" class="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={input}
        rows={1}
        value={text}
        placeholder="Write a message"
        aria-describedby="composer-hint"
        dir="auto"
        aria-invalid={draft.isError}
        onInput={(ev) => {
          setText(ev.currentTarget.value)
          resize()
          if (!edited) noteTyping()
        }}
        onKeyDown={onKeyDown}
      />
      <button class="button primary" type="submit" disabled={!canSend}>
        {edited ? 'Save' : 'Send'}
      </button>
      <p id="composer-hint" class={`composer-hint${draft.isError ? ' error' : ''}`} aria-live="polite">
        {draft.hint ?? <span class="visually-hidden">Enter to send, Shift+Enter for a new line, Up arrow to edit your last message, Escape to cancel.</span>}
      </p>
    </form>
  )
}
