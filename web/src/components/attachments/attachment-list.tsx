import type { AttachmentBody } from '../../../../protocol'
import { FileCard } from './file-card'
import { ImagePreview } from './image-preview'

/** The types the worker serves inline (docs/protocol.md#attachments): shown as previews; the rest as cards. */
const PREVIEWED = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** A message's files (#13), in the order sent: images as sized previews, other files as cards. */
export function AttachmentList({ chatId, attachments }: { chatId: number; attachments: readonly AttachmentBody[] }) {
  return (
    <ul class="attachments" aria-label={attachments.length === 1 ? 'Attachment' : `${attachments.length} attachments`}>
      {attachments.map((a) => (
        <li key={a.attachment_id}>{PREVIEWED.has(a.content_type) ? <ImagePreview chatId={chatId} attachment={a} /> : <FileCard chatId={chatId} attachment={a} />}</li>
      ))}
    </ul>
  )
}
