import type { AttachmentBody } from '../../protocol/http'
import type { AttachmentRecord } from './records'

/** The wire shape of a stored attachment, with its name already decrypted. */
export function toAttachmentBody(record: AttachmentRecord, name: string): AttachmentBody {
  return { attachment_id: record.id, name, size: record.size, content_type: record.contentType, width: record.width, height: record.height }
}
