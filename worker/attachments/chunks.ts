import { IV_BYTES } from '../crypto/aead'
import { base64ToBytes, bytesToBase64Url } from '../crypto/encoding'

// Attachments are encrypted as a STREAM (Hoang, Reyhanitabar, Rogaway, Vizár, "Online
// Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015): the plaintext is cut
// into CHUNK_BYTES pieces, each sealed with AES-256-GCM under its own random nonce, and the AAD of
// each names the chat, the attachment, the chunk's index and whether it is the last one. So a chunk
// moved to another position or file, a dropped or repeated chunk, and an object cut at a chunk
// boundary all fail to decrypt. The worker holds at most two chunks of one file at a time.

/** Plaintext bytes per chunk. */
export const CHUNK_BYTES = 64 * 1024
const TAG_BYTES = 16
/** Each stored chunk is its nonce, then the ciphertext, then GCM's tag. */
export const CHUNK_OVERHEAD_BYTES = IV_BYTES + TAG_BYTES
const RECORD_BYTES = CHUNK_BYTES + CHUNK_OVERHEAD_BYTES

/** The key and the names an attachment's chunks are bound to. */
export interface ChunkKey {
  key: CryptoKey
  /** Which data key this is (`chatDataKey`'s version), bound into every AAD like a message's key version. */
  keyVersion: string
  chatId: number
  attachmentId: string
}

/** How many chunks a file of `size` bytes has: at least one (an empty file is one empty last chunk). */
export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / CHUNK_BYTES))
}

/** The stored object's length for a file of `size` plaintext bytes: known before the first byte is read. */
export function sealedLength(size: number): number {
  return size + chunkCount(size) * CHUNK_OVERHEAD_BYTES
}

const encoder = new TextEncoder()

function chunkAad(k: ChunkKey, index: number, isLast: boolean): Uint8Array<ArrayBuffer> {
  return encoder.encode(`chat=${k.chatId}|attachment=${k.attachmentId}|chunk=${index}|last=${isLast ? 1 : 0}|key=${k.keyVersion}`)
}

async function sealChunk(k: ChunkKey, index: number, isLast: boolean, plain: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: chunkAad(k, index, isLast) }, k.key, plain)
  const record = new Uint8Array(IV_BYTES + sealed.byteLength)
  record.set(iv)
  record.set(new Uint8Array(sealed), IV_BYTES)
  return record
}

/** A stored attachment that fails to decrypt: tampered, truncated, reordered, or under another key. */
export class AttachmentCorrupt extends Error {
  override name = 'AttachmentCorrupt'
}

async function openChunk(k: ChunkKey, index: number, isLast: boolean, record: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (record.byteLength < CHUNK_OVERHEAD_BYTES) throw new AttachmentCorrupt(`chunk ${index} is too short`)
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: record.subarray(0, IV_BYTES), additionalData: chunkAad(k, index, isLast) },
      k.key,
      record.subarray(IV_BYTES),
    )
    return new Uint8Array(plain)
  } catch {
    throw new AttachmentCorrupt(`chunk ${index}${isLast ? ' (last)' : ''} does not decrypt`)
  }
}

/**
 * Plaintext bytes in, sealed chunks out. A full chunk is sealed only once the next byte arrives (or,
 * at the end, as the last one), which is how it knows whether it is the last without knowing the length.
 */
export function sealChunks(k: ChunkKey): TransformStream<Uint8Array, Uint8Array> {
  const buffer = new Uint8Array(CHUNK_BYTES)
  let filled = 0
  let index = 0
  return new TransformStream({
    async transform(piece, controller) {
      let offset = 0
      while (offset < piece.byteLength) {
        if (filled === CHUNK_BYTES) {
          controller.enqueue(await sealChunk(k, index++, false, buffer))
          filled = 0
        }
        const n = Math.min(CHUNK_BYTES - filled, piece.byteLength - offset)
        buffer.set(piece.subarray(offset, offset + n), filled)
        filled += n
        offset += n
      }
    },
    async flush(controller) {
      controller.enqueue(await sealChunk(k, index, true, buffer.slice(0, filled)))
    },
  })
}

/**
 * Sealed chunks in, plaintext out; errors with AttachmentCorrupt at the first chunk that fails, so a
 * reader never gets bytes past a fault. The chunk read last must be the one sealed as last, and the
 * plaintext must total `size` bytes (the D1 record): a missing or extra chunk errors the stream.
 */
export function openChunks(k: ChunkKey, size: number): TransformStream<Uint8Array, Uint8Array> {
  let buffer = new Uint8Array(RECORD_BYTES)
  let filled = 0
  let index = 0
  let total = 0
  const emit = (plain: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>) => {
    total += plain.byteLength
    if (total > size) throw new AttachmentCorrupt('more bytes than recorded')
    controller.enqueue(plain)
  }
  return new TransformStream({
    async transform(piece, controller) {
      let offset = 0
      while (offset < piece.byteLength) {
        if (filled === RECORD_BYTES) {
          emit(await openChunk(k, index++, false, buffer), controller)
          buffer = new Uint8Array(RECORD_BYTES)
          filled = 0
        }
        const n = Math.min(RECORD_BYTES - filled, piece.byteLength - offset)
        buffer.set(piece.subarray(offset, offset + n), filled)
        filled += n
        offset += n
      }
    },
    async flush(controller) {
      emit(await openChunk(k, index, true, buffer.slice(0, filled)), controller)
      if (total !== size) throw new AttachmentCorrupt('fewer bytes than recorded')
    },
  })
}

/** The file name, sealed under the same key, bound to the attachment: base64url of nonce and ciphertext. */
export async function sealName(k: ChunkKey, name: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const aad = encoder.encode(`chat=${k.chatId}|attachment=${k.attachmentId}|name|key=${k.keyVersion}`)
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, k.key, encoder.encode(name)))
  const out = new Uint8Array(IV_BYTES + sealed.byteLength)
  out.set(iv)
  out.set(sealed, IV_BYTES)
  return bytesToBase64Url(out)
}

/** The name sealed by `sealName`, or null when it does not decrypt. */
export async function openName(k: ChunkKey, sealed: string): Promise<string | null> {
  const bytes = base64ToBytes(sealed)
  if (!bytes || bytes.byteLength < CHUNK_OVERHEAD_BYTES) return null
  const aad = encoder.encode(`chat=${k.chatId}|attachment=${k.attachmentId}|name|key=${k.keyVersion}`)
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: aad }, k.key, bytes.subarray(IV_BYTES))
    return new TextDecoder('utf-8', { fatal: true }).decode(plain)
  } catch {
    return null
  }
}
