import { useEffect, useRef, useState } from 'preact/hooks'
import { deleteMessage, startEdit, startReply, toggleReaction } from '../state/room'
import type { ViewMessage } from '../state/messages'

type PickerComponent = typeof import('./emoji-picker').EmojiPicker
let pickerModule: Promise<PickerComponent> | undefined
// The picker is used less than the menu around it: it loads on first use.
const importPicker = () => (pickerModule ??= import('./emoji-picker').then((m) => m.EmojiPicker))

type Mode = 'closed' | 'menu' | 'picker' | 'confirm-delete'

/**
 * A message's actions behind one button (the WAI-ARIA menu button pattern): Reply, React, Edit
 * and Delete, as allowed. The menu takes focus, arrow keys move within it, Escape closes it and
 * focus returns to the button. Delete asks once more in place. On touch screens a long press on
 * the message opens the same menu (`openRef`).
 */
export function MessageActions({ message, canEdit, canDelete, label, openRef }: { message: ViewMessage; canEdit: boolean; canDelete: boolean; label: string; openRef?: { current: (() => void) | null } }) {
  const [mode, setModeState] = useState<Mode>('closed')
  const modeNow = useRef<Mode>('closed')
  const setMode = (next: Mode) => {
    modeNow.current = next
    setModeState(next)
  }
  const [Picker, setPicker] = useState<PickerComponent | null>(null)
  const button = useRef<HTMLButtonElement>(null)
  const popup = useRef<HTMLDivElement>(null)
  const seq = message.seq!
  const id = `actions-${message.key}`
  if (openRef) openRef.current = () => setMode('menu')

  useEffect(() => {
    if (mode === 'menu') popup.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus()
    if (mode === 'confirm-delete') popup.current?.querySelector<HTMLElement>('.button.danger')?.focus()
  }, [mode])

  const close = (refocus = true) => {
    setMode('closed')
    if (refocus) button.current?.focus()
  }
  const items: [string, () => void][] = [
    ['Reply', () => (startReply(message), close(false), document.getElementById('composer-input')?.focus())],
    ['React', () => void importPicker().then((c) => (setPicker(() => c), setMode('picker')))],
  ]
  if (canEdit) items.push(['Edit', () => (startEdit(message), close(false), document.getElementById('composer-input')?.focus())])
  if (canDelete) items.push(['Delete', () => setMode('confirm-delete')])

  const onMenuKey = (ev: KeyboardEvent) => {
    const list = Array.from(popup.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])
    const at = list.indexOf(document.activeElement as HTMLElement)
    const target = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: list.length - 1 }[ev.key]
    if (ev.key === 'Escape') {
      ev.stopPropagation()
      close()
    } else if (ev.key === 'Tab') {
      close(false)
    } else if (target !== undefined) {
      ev.preventDefault()
      list[(target + list.length) % list.length]?.focus()
    }
  }
  // Focus leaving the open menu (a click elsewhere, Tab) closes it. Checked a frame later: the menu
  // losing focus because it was replaced by the picker or the confirmation must not close those.
  const onFocusOut = () =>
    requestAnimationFrame(() => {
      if (modeNow.current === 'menu' && !popup.current?.contains(document.activeElement)) setMode('closed')
    })

  return (
    <div class="message-actions">
      <button
        type="button"
        class="actions-button"
        ref={button}
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={mode === 'menu'}
        aria-controls={mode === 'menu' ? id : undefined}
        onClick={() => setMode(mode === 'menu' ? 'closed' : 'menu')}
      >
        ⋯
      </button>
      {mode === 'menu' && (
        <div class="popup" ref={popup} id={id} role="menu" aria-label={label} onKeyDown={onMenuKey} onFocusOut={onFocusOut}>
          {items.map(([name, run]) => (
            <button key={name} type="button" role="menuitem" tabIndex={-1} onClick={run}>
              {name}
            </button>
          ))}
        </div>
      )}
      {mode === 'picker' && Picker && (
        <div class="popup">
          <Picker onPick={(emoji) => (toggleReaction(seq, emoji), close())} onClose={() => close()} />
        </div>
      )}
      {mode === 'confirm-delete' && (
        <div class="popup confirm" ref={popup} role="group" aria-label="Delete this message?" onKeyDown={(ev) => ev.key === 'Escape' && close()}>
          <p>Delete this message for everyone?</p>
          <button type="button" class="button small danger" onClick={() => (deleteMessage(seq), close())}>
            Yes, delete
          </button>{' '}
          <button type="button" class="button small" onClick={() => close()}>
            Cancel
          </button>
        </div>
      )}
    </div>
  )
}
