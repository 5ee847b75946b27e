import { useState } from 'preact/hooks'
import type { AttachmentBody } from '../../../../protocol'
import { describeError } from '../../api/errors'
import { saveAttachment } from '../../state/attachment-urls'
import { formatBytes } from '../../utils/file-size'
import { UserText } from '../user-text'

/** A file that is not previewed: its name, size and a Download button (fetched with the token, then saved). */
export function FileCard({ chatId, attachment }: { chatId: number; attachment: AttachmentBody }) {
  const [state, setState] = useState<'idle' | 'busy' | string>('idle')
  const size = formatBytes(attachment.size)
  const download = () => {
    setState('busy')
    saveAttachment(chatId, attachment).then(
      () => setState('idle'),
      (err: unknown) => setState(describeError(err)),
    )
  }
  return (
    <div class="file-card" data-attachment-id={attachment.attachment_id}>
      <span class="file-icon" aria-hidden="true">
        {extensionOf(attachment.name)}
      </span>
      <span class="file-text">
        <UserText class="file-name" text={attachment.name} />
        <span class="file-size">{size}</span>
        {state !== 'idle' && state !== 'busy' && (
          <span class="error" role="alert">
            {state}
          </span>
        )}
      </span>
      <button type="button" class="button small" aria-label={`Download ${attachment.name} (${size})`} disabled={state === 'busy'} onClick={download}>
        {state === 'busy' ? 'Downloading…' : 'Download'}
      </button>
    </div>
  )
}

/** The name's extension as a short badge ("PDF"), or "FILE"; the fonts of many systems lack emoji icons. */
function extensionOf(name: string): string {
  const match = /\.([a-z0-9]{1,4})$/i.exec(name)
  return match ? match[1]!.toUpperCase() : 'FILE'
}
