import { describe, expect, it } from 'vitest'
import { AttachmentCorrupt, CHUNK_BYTES, chunkCount, openChunks, openName, sealChunks, sealedLength, sealName, type ChunkKey } from './chunks'

async function key(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

/** Streams `bytes` in pieces of `pieceBytes` through `transform` and collects the output. */
async function through(transform: TransformStream<Uint8Array, Uint8Array>, bytes: Uint8Array, pieceBytes: number): Promise<Uint8Array> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.byteLength; i += pieceBytes) controller.enqueue(bytes.slice(i, i + pieceBytes))
      controller.close()
    },
  })
  return new Uint8Array(await new Response(source.pipeThrough(transform)).arrayBuffer())
}

const fileOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff)

describe('sealChunks / openChunks', () => {
  // Sizes around the chunk boundary, fed in pieces that do and do not divide a chunk.
  it.each([
    [1, 1000],
    [CHUNK_BYTES - 1, 4096],
    [CHUNK_BYTES, 4096],
    [CHUNK_BYTES + 1, 7000],
    [2 * CHUNK_BYTES, CHUNK_BYTES],
    [2 * CHUNK_BYTES + 5, 3 * CHUNK_BYTES],
  ])('round-trips %i bytes fed %i at a time, at the length sealedLength predicts', async (size, pieceBytes) => {
    const k: ChunkKey = { key: await key(), keyVersion: 'v1', chatId: 7, attachmentId: 'a' }
    const file = fileOf(size)
    const sealed = await through(sealChunks(k), file, pieceBytes)
    expect(sealed.byteLength).toBe(sealedLength(size))
    expect(chunkCount(size)).toBe(Math.ceil(size / CHUNK_BYTES))
    expect(await through(openChunks(k, size), sealed, 5000)).toEqual(file)
  })

  it.each([
    ['another attachment id', { attachmentId: 'b' }],
    ['another chat', { chatId: 8 }],
    ['another key version label', { keyVersion: 'v2' }],
  ])('refuses an object opened as %s', async (_, change) => {
    const k: ChunkKey = { key: await key(), keyVersion: 'v1', chatId: 7, attachmentId: 'a' }
    const sealed = await through(sealChunks(k), fileOf(100), 100)
    await expect(through(openChunks({ ...k, ...change }, 100), sealed, 100)).rejects.toBeInstanceOf(AttachmentCorrupt)
  })

  it('refuses a file cut exactly at a chunk boundary, and a recorded size that disagrees', async () => {
    const k: ChunkKey = { key: await key(), keyVersion: 'v1', chatId: 7, attachmentId: 'a' }
    const size = 2 * CHUNK_BYTES + 10
    const sealed = await through(sealChunks(k), fileOf(size), CHUNK_BYTES)
    const firstTwo = sealed.subarray(0, sealedLength(2 * CHUNK_BYTES))
    await expect(through(openChunks(k, 2 * CHUNK_BYTES), firstTwo, 9000)).rejects.toBeInstanceOf(AttachmentCorrupt)
    await expect(through(openChunks(k, size + 1), sealed, 9000)).rejects.toBeInstanceOf(AttachmentCorrupt)
    await expect(through(openChunks(k, size - 1), sealed, 9000)).rejects.toBeInstanceOf(AttachmentCorrupt)
  })
})

describe('sealName / openName', () => {
  it('round-trips a name and refuses it under another attachment id', async () => {
    const k: ChunkKey = { key: await key(), keyVersion: 'v1', chatId: 7, attachmentId: 'a' }
    const sealed = await sealName(k, 'Zoë’s photo.png')
    expect(sealed).not.toContain('photo')
    expect(await openName(k, sealed)).toBe('Zoë’s photo.png')
    expect(await openName({ ...k, attachmentId: 'b' }, sealed)).toBeNull()
  })
})
