import { useEffect, useRef } from 'preact/hooks'

/** A fixed set of common reactions; any single emoji is valid on the wire (`isReactionEmoji`). ❤️ carries VS16, as keyboards send it. */
export const PICKER_EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🙏', '🎉', '👀', '🔥', '👎'] as const

/**
 * A small grid of emoji buttons (loaded on first use). Focus starts on the first; arrow keys move
 * between them; Escape or leaving it calls `onClose`, and the caller puts focus back.
 */
export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const grid = useRef<HTMLDivElement>(null)
  useEffect(() => grid.current?.querySelector('button')?.focus(), [])
  const onKeyDown = (ev: KeyboardEvent) => {
    const buttons = Array.from(grid.current?.querySelectorAll('button') ?? [])
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement)
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[ev.key]
    if (ev.key === 'Escape') {
      ev.stopPropagation()
      onClose()
    } else if (step !== undefined) {
      ev.preventDefault()
      buttons[(at + step + buttons.length) % buttons.length]?.focus()
    }
  }
  return (
    <div
      class="emoji-picker"
      role="group"
      aria-label="Pick a reaction"
      ref={grid}
      onKeyDown={onKeyDown}
      onFocusOut={(ev) => {
        if (!grid.current?.contains(ev.relatedTarget as Node | null)) onClose()
      }}
    >
      {PICKER_EMOJI.map((emoji) => (
        <button key={emoji} type="button" class="emoji" aria-label={`React with ${emoji}`} onClick={() => onPick(emoji)}>
          {emoji}
        </button>
      ))}
    </div>
  )
}
