import { useRef, useState } from 'preact/hooks'
import type { AttachmentBody } from '../../../../protocol'
import { formatBytes } from '../../utils/file-size'
import { previewBox } from '../../utils/image-box'
import { Lightbox } from './lightbox'
import { useBlobUrl } from './use-blob-url'

/**
 * An image attachment as a button of its final size before a byte has loaded: the box comes from the
 * AttachmentBody's width and height (`previewBox`), so the message list does not move when the
 * image arrives. Activating it opens the image full size in a dialog.
 */
export function ImagePreview({ chatId, attachment }: { chatId: number; attachment: AttachmentBody }) {
  const box = previewBox(attachment.width, attachment.height)
  const blob = useBlobUrl(chatId, attachment.attachment_id)
  const [isOpen, setOpen] = useState(false)
  const trigger = useRef<HTMLButtonElement>(null)
  const label = `${attachment.name}, image${attachment.width && attachment.height ? ` ${attachment.width} by ${attachment.height}` : ''}, ${formatBytes(attachment.size)}`
  return (
    <>
      <button
        ref={trigger}
        type="button"
        class={`image-preview is-${blob.status}`}
        aria-label={`Open ${label}`}
        aria-haspopup="dialog"
        data-attachment-id={attachment.attachment_id}
        // Set through the CSSOM (the page's CSP allows no style attributes): the box before the image.
        style={{ width: `${box.width}px`, aspectRatio: `${box.width} / ${box.height}` }}
        onClick={() => setOpen(true)}
      >
        {blob.status === 'ready' && <img src={blob.url} alt="" width={box.width} height={box.height} decoding="async" />}
        {blob.status === 'failed' && <span class="image-failed">Image unavailable</span>}
      </button>
      {isOpen && (
        <Lightbox
          name={attachment.name}
          url={blob.status === 'ready' ? blob.url : null}
          onClose={() => {
            setOpen(false)
            trigger.current?.focus()
          }}
        />
      )}
    </>
  )
}
