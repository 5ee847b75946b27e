import type { Config } from '../config'
import { attachmentOpeningKey } from './keys'
import type { Db } from '../db/client'
import type { Env } from '../env'
import { AppError } from '../errors'
import { errorFields, log } from '../log'
import { AttachmentCorrupt, openChunks, openName, type ChunkKey } from './chunks'
import { contentDisposition } from './disposition'
import { findAttachment, type AttachmentRecord } from './records'
import { INLINE_IMAGE_TYPES } from './sniff'

/** How long a browser may reuse a download from its private cache: files never change under an id. */
export const DOWNLOAD_MAX_AGE_SECONDS = 60 * 60

/**
 * The attachment `attachmentId` of chat `chatId` as a streamed response, for a member (checked by the
 * caller). `not_found` (404) when the id names no file of this chat, or an unclaimed upload of someone
 * else (until a message carries it, only its uploader can fetch it). The body is decrypted chunk by
 * chunk; a stored chunk that fails (tampered, reordered, truncated) errors the stream at that point,
 * and when it is the first one the answer is a 500 instead. Range requests are not supported.
 */
export async function downloadAttachment(env: Env, db: Db, config: Config, chatId: number, attachmentId: string, userId: number): Promise<Response> {
  const record = await findAttachment(db, chatId, attachmentId)
  if (!record || (record.messageId === null && record.uploaderId !== userId)) throw new AppError('not_found', 'No such attachment.')
  const k = await chunkKeyOf(db, config, record)
  const object = k && (await env.FILES.get(record.r2Key))
  if (!k || !object) return unreadable(record, new Error(k ? 'object missing' : 'data key missing'))
  const plain = openChunks(k, record.size)
  // The failure reaches the reader below; the pipe's own promise has nothing to add.
  object.body.pipeTo(plain.writable).catch(() => {})
  const reader = plain.readable.getReader()
  let first: ReadableStreamReadResult<Uint8Array>
  try {
    first = await reader.read()
  } catch (err) {
    return unreadable(record, err)
  }
  const name = (await openName(k, record.name)) ?? 'attachment'
  const body = new FixedLengthStream(record.size)
  // A failure mid-way is logged by `resume` and cuts the response short; nobody else awaits the pipe.
  resume(first, reader, record).pipeTo(body.writable).catch(() => {})
  return new Response(body.readable, { headers: downloadHeaders(record, name) })
}

/** The headers of a download; the body is a FixedLengthStream of the same length. */
export function downloadHeaders(record: Pick<AttachmentRecord, 'contentType' | 'size'>, name: string): Headers {
  const inline = INLINE_IMAGE_TYPES.has(record.contentType)
  return new Headers({
    'Content-Type': record.contentType,
    'Content-Length': String(record.size),
    'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', name),
    // The type was chosen from the bytes; the browser must not guess another (an image that is also HTML).
    'X-Content-Type-Options': 'nosniff',
    // Opened directly, the file runs nothing and reaches nothing: a unique origin with no scripts.
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': `private, max-age=${DOWNLOAD_MAX_AGE_SECONDS}`,
  })
}

export async function chunkKeyOf(db: Db, config: Config, record: AttachmentRecord): Promise<ChunkKey | null> {
  const key = await attachmentOpeningKey(db, config.keyring, record.chatId, record.keyVersion)
  return key && { key, keyVersion: record.keyVersion, chatId: record.chatId, attachmentId: record.id }
}

function unreadable(record: AttachmentRecord, err: unknown): never {
  log.error('attachment_unreadable', { chat_id: record.chatId, attachment_id: record.id, key_version: record.keyVersion, ...errorFields(err) })
  throw new AppError('internal', 'The file could not be read.')
}

/** The first decrypted chunk, then the rest; a later failure is logged once and errors the body. */
function resume(first: ReadableStreamReadResult<Uint8Array>, reader: ReadableStreamDefaultReader<Uint8Array>, record: AttachmentRecord): ReadableStream<Uint8Array> {
  let pending: ReadableStreamReadResult<Uint8Array> | null = first
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = pending ?? (await reader.read())
        pending = null
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      } catch (err) {
        if (err instanceof AttachmentCorrupt) log.error('attachment_unreadable', { chat_id: record.chatId, attachment_id: record.id, ...errorFields(err) })
        throw err
      }
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}
