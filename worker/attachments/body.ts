import type { AttachmentBody } from '../../protocol/http'
import { attachmentOpeningKey } from './keys'
import type { Keyring } from '../crypto/keys'
import type { Db } from '../db/client'
import { openName } from './chunks'
import type { AttachmentRecord } from './records'

/** The wire shape of a stored attachment, with its name already decrypted. */
export function toAttachmentBody(record: AttachmentRecord, name: string): AttachmentBody {
  return { attachment_id: record.id, name, size: record.size, content_type: record.contentType, width: record.width, height: record.height }
}

/** The wire shapes of stored attachments, in order, names decrypted ("attachment" when one does not decrypt). */
export async function toAttachmentBodies(db: Db, keyring: Keyring, records: readonly AttachmentRecord[]): Promise<AttachmentBody[]> {
  return Promise.all(
    records.map(async (record) => {
      const key = await attachmentOpeningKey(db, keyring, record.chatId, record.keyVersion)
      const k = key && { key, keyVersion: record.keyVersion, chatId: record.chatId, attachmentId: record.id }
      return toAttachmentBody(record, (k && (await openName(k, record.name))) ?? 'attachment')
    }),
  )
}
