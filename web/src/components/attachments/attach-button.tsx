import { useEffect, useRef } from 'preact/hooks'
import { addFiles } from '../../state/uploads'

/**
 * The composer's "Attach files" button (a hidden file input behind it), and drag-and-drop of files
 * anywhere on the room (the nearest `.room` around the composer), which shows a drop hint while a
 * file is over it. Paste is the composer field's (`filesOf`).
 */
export function AttachButton({ chatId, isDisabled }: { chatId: number; isDisabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    const room = button.current?.closest<HTMLElement>('.room')
    if (!room || isDisabled) return
    let depth = 0
    const hasFiles = (ev: DragEvent) => ev.dataTransfer?.types.includes('Files') ?? false
    const onEnter = (ev: DragEvent) => {
      if (!hasFiles(ev)) return
      depth++
      room.classList.add('is-drop-target')
    }
    const onLeave = (ev: DragEvent) => {
      if (hasFiles(ev) && --depth <= 0) room.classList.remove('is-drop-target')
    }
    const onOver = (ev: DragEvent) => {
      // Without preventDefault the browser would open the file in place of the app.
      if (hasFiles(ev)) ev.preventDefault()
    }
    const onDrop = (ev: DragEvent) => {
      if (!hasFiles(ev)) return
      ev.preventDefault()
      depth = 0
      room.classList.remove('is-drop-target')
      addFiles(chatId, filesOf(ev.dataTransfer))
    }
    room.addEventListener('dragenter', onEnter)
    room.addEventListener('dragleave', onLeave)
    room.addEventListener('dragover', onOver)
    room.addEventListener('drop', onDrop)
    return () => {
      room.removeEventListener('dragenter', onEnter)
      room.removeEventListener('dragleave', onLeave)
      room.removeEventListener('dragover', onOver)
      room.removeEventListener('drop', onDrop)
      room.classList.remove('is-drop-target')
    }
  }, [chatId, isDisabled])
  return (
    <>
      <input
        ref={input}
        type="file"
        multiple
        // Not rendered (the button is the way in); click() on it still opens the file picker.
        hidden
        onChange={(ev) => {
          addFiles(chatId, filesOf(ev.currentTarget))
          ev.currentTarget.value = ''
        }}
      />
      <button ref={button} type="button" class="icon-button attach-button" aria-label="Attach files" title="Attach files (or drop or paste them)" disabled={isDisabled} onClick={() => input.current?.click()}>
        +
      </button>
    </>
  )
}

/** The files of a drop, a paste (`DataTransfer`) or a file input; none for text. */
export function filesOf(source: { files: FileList | null } | null): File[] {
  return source?.files ? Array.from(source.files) : []
}
