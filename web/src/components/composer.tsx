import { useRef, useState } from 'preact/hooks'
import { checkDraft } from '../state/draft'
import { noteTyping, sendMessage } from '../state/room'

const MAX_HEIGHT_PX = 200

export function Composer({ isDisabled }: { isDisabled?: boolean }) {
  const [text, setText] = useState('')
  const input = useRef<HTMLTextAreaElement>(null)
  const draft = checkDraft(text)
  const canSend = !isDisabled && draft.canSend

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
        dir="auto"
        aria-invalid={draft.isError}
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
      <p id="composer-hint" class={`composer-hint${draft.isError ? ' error' : ''}`} aria-live="polite">
        {draft.hint ?? <span class="visually-hidden">Enter to send, Shift+Enter for a new line.</span>}
      </p>
    </form>
  )
}
