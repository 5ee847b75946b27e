import { useRef, useState } from 'preact/hooks'
import { MESSAGE_MAX_CHARS } from '../../../protocol'
import { noteTyping, sendMessage } from '../state/room'

/** Show the counter once this close to the limit. */
const COUNTER_FROM_CHARS = MESSAGE_MAX_CHARS - 500
const MAX_HEIGHT_PX = 200

export function Composer({ isDisabled }: { isDisabled?: boolean }) {
  const [text, setText] = useState('')
  const input = useRef<HTMLTextAreaElement>(null)
  const left = MESSAGE_MAX_CHARS - text.length
  const isTooLong = left < 0
  const canSend = !isDisabled && text.trim().length > 0 && !isTooLong

  const resize = () => {
    const el = input.current
    if (!el) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`
  }
  const submit = () => {
    if (!canSend || !sendMessage(text)) return
    setText('')
    requestAnimationFrame(resize)
  }
  const onKeyDown = (ev: KeyboardEvent) => {
    // Enter sends, Shift+Enter is a new line; never send mid-composition (IME input).
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault()
      submit()
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
        aria-invalid={isTooLong}
        onInput={(ev) => {
          setText(ev.currentTarget.value)
          resize()
          noteTyping()
        }}
        onKeyDown={onKeyDown}
      />
      <button class="button primary" type="submit" disabled={!canSend}>
        Send
      </button>
      <p id="composer-hint" class={`composer-hint${isTooLong ? ' error' : ''}`} aria-live="polite">
        {text.length >= COUNTER_FROM_CHARS ? (isTooLong ? `${-left} characters over the limit` : `${left} characters left`) : <span class="visually-hidden">Enter to send, Shift+Enter for a new line.</span>}
      </p>
    </form>
  )
}
