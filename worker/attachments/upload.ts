import type { Config } from '../config'
import { attachmentSealingKey } from './keys'
import type { Db } from '../db/client'
import type { Env } from '../env'
import { AppError } from '../errors'
import { enforceRateLimit } from '../http/rate-limit'
import { errorFields, log } from '../log'
import { CHUNK_BYTES, sealChunks, sealedLength, sealName, type ChunkKey } from './chunks'
import { deleteRecords, insertAttachment, isChatDeleted, type AttachmentRecord } from './records'
import { sniff } from './sniff'

/** One upload as the route hands it over: the raw request body and its declared length. */
export interface Upload {
  chatId: number
  uploaderId: number
  /** The file name from `?name=`, already checked (`FileName`). */
  name: string
  /** Content-Length, or null when the request has none. */
  declaredBytes: number | null
  body: ReadableStream<Uint8Array> | null
}

/** A stored attachment with its name in the clear, for the upload's answer. */
export interface UploadedAttachment {
  record: AttachmentRecord
  name: string
}

/** The object key in FILES: grouped by chat, so a chat's files can be listed by prefix. */
export function objectKey(chatId: number, attachmentId: string): string {
  return `chats/${chatId}/${attachmentId}`
}

/**
 * Checks, encrypts and stores one file; the caller has checked membership. Refusals, in order and
 * all before a byte is read: `length_required` (411) without Content-Length, `payload_too_large`
 * (413) over `config.maxAttachmentBytes`, `file_empty` (400), `rate_limited` (429, UPLOAD_LIMITER per
 * user); then, from the first chunk, `file_type_not_allowed` (415); while streaming, `payload_too_large`
 * when the body runs past its Content-Length and `invalid_request` when it ends before it. The R2 object
 * is written first and the D1 row after it, and a failure of either deletes the object: a refused or
 * interrupted upload leaves nothing behind.
 */
export async function uploadAttachment(env: Env, db: Db, config: Config, upload: Upload): Promise<UploadedAttachment> {
  const size = checkLength(upload.declaredBytes, config.maxAttachmentBytes)
  await enforceRateLimit(env.UPLOAD_LIMITER, `user:${upload.uploaderId}`, 'Too many uploads; wait a minute.')
  if (!upload.body) throw new AppError('file_empty', 'The file is empty.')
  const reader = limitTo(upload.body, size).getReader()
  const { head, rest } = await readHead(reader, Math.min(size, CHUNK_BYTES)).catch((err: unknown) => {
    if (err instanceof AppError) throw err
    // The client went away before the first chunk was in: its mistake (or its network's), not ours.
    log.warn('attachment_upload_failed', { chat_id: upload.chatId, ...errorFields(err) })
    throw new AppError('invalid_request', 'The upload did not complete; nothing was stored.')
  })
  const sniffed = sniff(head, head.byteLength === size)
  if (typeof sniffed === 'string') {
    await reader.cancel().catch(() => {})
    throw new AppError('file_type_not_allowed', sniffed === 'executable' ? 'Programs cannot be attached.' : 'This type of file cannot be attached.')
  }
  const id = crypto.randomUUID()
  const r2Key = objectKey(upload.chatId, id)
  const dataKey = await attachmentSealingKey(db, config.keyring, upload.chatId)
  const k: ChunkKey = { key: dataKey.key, keyVersion: dataKey.label, chatId: upload.chatId, attachmentId: id }
  try {
    // FixedLengthStream gives R2 the object's length up front (computable from Content-Length), so
    // one put streams the file with no part buffering; a body that ends early or runs long errors it.
    const sealed = new FixedLengthStream(sealedLength(size))
    const piped = prepend([head, rest], reader).pipeThrough(sealChunks(k)).pipeTo(sealed.writable)
    const put = env.FILES.put(r2Key, sealed.readable, {
      httpMetadata: { contentType: 'application/octet-stream' },
      customMetadata: { chat_id: String(upload.chatId), key_version: dataKey.label, chunk_bytes: String(CHUNK_BYTES) },
    })
    // Both settle before deciding: the pipe's error (413 for a body running long) says more than the put's.
    const [pipeResult, putResult] = await Promise.allSettled([piped, put])
    if (pipeResult.status === 'rejected') throw pipeResult.reason
    if (putResult.status === 'rejected') throw putResult.reason
    const record: AttachmentRecord = {
      id,
      chatId: upload.chatId,
      uploaderId: upload.uploaderId,
      name: await sealName(k, upload.name),
      size,
      ...sniffed,
      r2Key,
      keyVersion: dataKey.label,
      createdAtMs: Date.now(),
      messageId: null,
      position: null,
    }
    await insertAttachment(db, record)
    // The group may have been deleted while the body streamed: its deletion lists the chat's files
    // after marking it deleted, so a row inserted before that mark is found and deleted there, and
    // one inserted after it is caught here. Either way nothing of a deleted group stays stored.
    if (await isChatDeleted(db, upload.chatId)) {
      await deleteRecords(db, [id])
      throw new AppError('not_found', 'No such chat.')
    }
    return { record, name: upload.name }
  } catch (err) {
    await env.FILES.delete(r2Key).catch((deleteErr: unknown) => log.error('attachment_cleanup_failed', { chat_id: upload.chatId, attachment_id: id, ...errorFields(deleteErr) }))
    if (err instanceof AppError) throw err
    // The body errored (the client went away or sent fewer bytes than it declared) or a store failed.
    log.warn('attachment_upload_failed', { chat_id: upload.chatId, attachment_id: id, ...errorFields(err) })
    throw new AppError('invalid_request', 'The upload did not complete; nothing was stored.')
  }
}

function checkLength(declaredBytes: number | null, maxBytes: number): number {
  if (declaredBytes === null) throw new AppError('length_required', 'Send the file with a Content-Length header.')
  if (declaredBytes > maxBytes) throw new AppError('payload_too_large', `A file must be at most ${maxBytes} bytes.`)
  if (declaredBytes === 0) throw new AppError('file_empty', 'The file is empty.')
  return declaredBytes
}

/** The body, erroring with `payload_too_large` at the first byte past `maxBytes`. */
function limitTo(body: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Uint8Array> {
  let seen = 0
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        seen += piece.byteLength
        if (seen > maxBytes) throw new AppError('payload_too_large', 'The body is longer than its Content-Length.')
        controller.enqueue(piece)
      },
    }),
  )
}

/**
 * Reads until `bytes` are in (or the body ends): the first chunk, which the type and size are judged
 * by. A read may bring more than that; `rest` holds the surplus, to be sent on before the reader.
 */
async function readHead(reader: ReadableStreamDefaultReader<Uint8Array>, bytes: number): Promise<{ head: Uint8Array; rest: Uint8Array | null }> {
  const head = new Uint8Array(bytes)
  let filled = 0
  while (filled < bytes) {
    const { done, value } = await reader.read()
    if (done) break
    const n = Math.min(value.byteLength, bytes - filled)
    head.set(value.subarray(0, n), filled)
    filled += n
    if (n < value.byteLength) return { head, rest: value.subarray(n) }
  }
  if (filled === 0) throw new AppError('file_empty', 'The file is empty.')
  return { head: head.subarray(0, filled), rest: null }
}

/** `pieces`, then whatever `reader` still holds, as one stream. */
function prepend(pieces: (Uint8Array | null)[], reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  const queued = pieces.filter((piece): piece is Uint8Array => piece !== null && piece.byteLength > 0)
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = queued.shift()
      if (next) return controller.enqueue(next)
      const { done, value } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}
