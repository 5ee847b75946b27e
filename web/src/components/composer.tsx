import { useEffect, useRef, useState } from 'preact/hooks'
import { isBlank } from '../../../protocol'
import { checkDraft } from '../state/draft'
import { actionError, cancelCompose, editing, noteTyping, replyingTo, roomChatId, saveEdit, sendMessage, startEdit } from '../state/room'
import { addFiles, clearUploads, isUploading, readyAttachments } from '../state/uploads'
import { AttachButton, filesOf } from './attachments/attach-button'
import { UploadTray } from './attachments/upload-tray'
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
  const edited = editing.value
  const chatId = roomChatId.value
  // Files (#13) go with a new message, not an edit; blank text is fine then. Send waits for uploads.
  const files = edited ? [] : readyAttachments()
  const canSend = !isDisabled && (edited ? draft.canSend : !isUploading() && (draft.canSend || (files.length > 0 && isBlank(text))))
  const reply = replyingTo.value

  // Files picked for one chat never go to another: leaving the room cancels them.
  useEffect(() => clearUploads, [chatId])

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
    if (edited ? !saveEdit(text) : !sendMessage(text, files)) return
    if (!edited) clearUploads()
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
      {!edited && <UploadTray />}
      {!edited && chatId !== null && <AttachButton chatId={chatId} isDisabled={isDisabled} />}
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
        onPaste={(ev) => {
          // A pasted file (a screenshot, a file copied in the file manager) is attached; text pastes as usual.
          const pasted = filesOf(ev.clipboardData)
          if (pasted.length === 0 || edited || chatId === null) return
          ev.preventDefault()
          addFiles(chatId, pasted)
        }}
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
