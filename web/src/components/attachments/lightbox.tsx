import { useEffect, useRef } from 'preact/hooks'
import { UserText } from '../user-text'

/**
 * An image full size in a modal `<dialog>`: the browser traps focus inside it and closes it on
 * Escape (the `cancel` event), and `onClose` returns focus to the preview that opened it.
 */
export function Lightbox({ name, url, onClose }: { name: string; url: string | null; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  return (
    <dialog
      ref={dialog}
      class="lightbox"
      aria-label={name}
      onClose={onClose}
      // A click on the backdrop (the dialog element itself, outside the figure) closes it too.
      onClick={(ev) => ev.target === dialog.current && dialog.current?.close()}
    >
      <figure>
        {url ? <img src={url} alt={name} /> : <p>Loading…</p>}
        <figcaption>
          <UserText text={name} />
          {url && (
            <a class="button small" href={url} download={name}>
              Download
            </a>
          )}
          <button type="button" class="button small" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </figcaption>
      </figure>
    </dialog>
  )
}
