import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { AttachmentBody } from '../../../protocol/http'
import { CHUNK_BYTES, CHUNK_OVERHEAD_BYTES, sealedLength } from '../../attachments/chunks'
import { IMAGE_FILES } from '../../attachments/sniff.fixtures'
import { DEFAULT_MAX_ATTACHMENT_BYTES } from '../../config'
import { base64ToBytes } from '../../crypto/encoding'
import { download, objectsOf, pdfFile, randomFile, rowsOf, upload, uploadOk } from '../attachments'
import { addToGroup, api, authed, createGroup, errorCode, signUp, type TestUser } from '../helpers'

async function groupOf(...members: TestUser[]): Promise<number> {
  const chatId = await createGroup(members[0]!)
  for (const member of members.slice(1)) await addToGroup(chatId, members[0]!, member)
  return chatId
}

/** A body whose stream yields `pieces`, then ends (or errors, when `fail` is set). */
function streamOf(pieces: Uint8Array[], fail = false): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      const next = pieces.shift()
      if (next) controller.enqueue(next)
      else if (fail) controller.error(new Error('client went away'))
      else controller.close()
    },
  })
}

async function expectNothingStored(chatId: number): Promise<void> {
  expect(await objectsOf(chatId)).toEqual([])
  expect(await rowsOf(chatId)).toEqual([])
}

const png = base64ToBytes(IMAGE_FILES.png)!

describe('POST /chat/<id>/attachments/', () => {
  it('stores an image encrypted and answers its type and size', async () => {
    const owner = await signUp('up')
    const chatId = await groupOf(owner)
    const res = await upload(owner, chatId, png, 'Ünïcödé picture.png', { 'Content-Type': 'text/html' })
    expect(res.status).toBe(201)
    const body = (await res.json()) as AttachmentBody
    expect(body).toEqual({ attachment_id: expect.any(String), name: 'Ünïcödé picture.png', size: png.byteLength, content_type: 'image/png', width: 37, height: 21 })
    const [row] = await rowsOf(chatId)
    expect(row).toMatchObject({ id: body.attachment_id, uploader_id: owner.id, size: png.byteLength, content_type: 'image/png', message_id: null })
    expect(row!.name).not.toContain('picture')
    const object = await env.FILES.get(row!.r2_key as string)
    expect(object!.customMetadata).toMatchObject({ chat_id: String(chatId), key_version: row!.key_version })
    const stored = new Uint8Array(await object!.arrayBuffer())
    expect(stored.byteLength).toBe(sealedLength(png.byteLength))
    expect(indexOf(stored, png.subarray(0, 16))).toBe(-1)
  })

  it.each([
    ['a Content-Length over the limit', () => bodyWithLength(DEFAULT_MAX_ATTACHMENT_BYTES + 1, png), 413, 'payload_too_large'],
    ['no Content-Length (a streamed body)', () => ({ body: streamOf([png]) }), 411, 'length_required'],
    ['an empty body', () => ({ body: new Uint8Array(0) }), 400, 'file_empty'],
    ['an executable (PE)', () => ({ body: Uint8Array.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]) }), 415, 'file_type_not_allowed'],
    ['an executable (ELF)', () => ({ body: Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]) }), 415, 'file_type_not_allowed'],
    ['unknown binary bytes', () => ({ body: randomFile(5000, 7).map((b, i) => (i === 0 ? 0 : b)) }), 415, 'file_type_not_allowed'],
    ['a body that runs past its Content-Length', () => bodyWithLength(100, pdfFile(300)), 413, 'payload_too_large'],
    ['a body that ends before its Content-Length', () => bodyWithLength(3 * CHUNK_BYTES, pdfFile(CHUNK_BYTES + 10)), 400, 'invalid_request'],
    ['a body that fails mid-way (client gone)', () => bodyWithLength(3 * CHUNK_BYTES, pdfFile(2 * CHUNK_BYTES), true), 400, 'invalid_request'],
    ['a body that fails within its first chunk (client gone)', () => bodyWithLength(3 * CHUNK_BYTES, pdfFile(100), true), 400, 'invalid_request'],
  ] as const)('refuses %s and leaves nothing behind', async (_, make, status, code) => {
    const owner = await signUp('refused')
    const chatId = await groupOf(owner)
    const { body, headers } = make() as { body: BodyInit; headers?: Record<string, string> }
    const res = await upload(owner, chatId, body, 'x.pdf', headers)
    expect(res.status).toBe(status)
    expect(await errorCode(res)).toBe(code)
    await expectNothingStored(chatId)
  })

  it('refuses an upload whose group was deleted while its body streamed, and leaves nothing behind', async () => {
    const owner = await signUp('delmid')
    const chatId = await groupOf(owner)
    // The gate holds the body once 512 KiB went in: far past the first chunk the route reads before
    // anything else, so the route is streaming (past its membership check) when the group goes.
    const file = pdfFile(16 * CHUNK_BYTES)
    const gateAt = 8 * CHUNK_BYTES
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let reachedGate!: () => void
    const pulled = new Promise<void>((resolve) => (reachedGate = resolve))
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= gateAt) {
          reachedGate()
          await gate
        }
        if (sent >= file.byteLength) return controller.close()
        controller.enqueue(file.slice(sent, sent + 16384))
        sent += 16384
      },
    })
    const uploading = upload(owner, chatId, body, 'x.pdf', { 'Content-Length': String(file.byteLength) })
    await pulled
    expect((await api(`/chat/${chatId}/`, authed(owner.accessToken, { method: 'DELETE' }))).status).toBe(200)
    release()
    const res = await uploading
    expect(res.status).toBe(404)
    await expectNothingStored(chatId)
  })

  it.each([
    ['missing', null],
    ['empty', ''],
    ['blank', '   '],
    ['a path', 'dir/evil.png'],
    ['a Windows path', '..\\evil.png'],
    ['dot-dot', '..'],
    ['a bidi override', 'photo\u202Egnp.exe'],
    ['a line break', 'a\nb.txt'],
    ['too long', `${'a'.repeat(252)}.txt`],
  ])('refuses a name that is %s', async (_, name) => {
    const owner = await signUp('name')
    const chatId = await groupOf(owner)
    const query = name === null ? '' : `?${new URLSearchParams({ name })}`
    const res = await api(`/chat/${chatId}/attachments/${query}`, authed(owner.accessToken, { method: 'POST', body: png }))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', field: 'name' } })
    await expectNothingStored(chatId)
  })

  it('refuses non-members (403), unknown chats (404) and missing tokens (401)', async () => {
    const [owner, stranger] = await Promise.all([signUp('own'), signUp('stranger')])
    const chatId = await groupOf(owner)
    const res = await upload(stranger, chatId, png, 'a.png')
    expect(res.status).toBe(403)
    expect(await errorCode(res)).toBe('not_member')
    expect(await errorCode(await upload(owner, 99999999, png, 'a.png'))).toBe('not_found')
    const anonymous = await api(`/chat/${chatId}/attachments/?name=a.png`, { method: 'POST', body: png })
    expect(anonymous.status).toBe(401)
    await expectNothingStored(chatId)
  })

  it('limits uploads per user per minute (429) without storing the refused one', async () => {
    const owner = await signUp('rate')
    const chatId = await groupOf(owner)
    // The limiter is shared by every test file of the run, whose D1s each start user ids at 1: this
    // user's key may hold others' uploads already, so the 429 comes at the 31st upload or earlier.
    const statuses: number[] = []
    for (let i = 0; i < 31 && !statuses.includes(429); i++) {
      statuses.push((await upload(owner, chatId, new TextEncoder().encode(`note ${i}`), `n${i}.txt`)).status)
    }
    expect(statuses.at(-1)).toBe(429)
    const stored = statuses.filter((s) => s === 201).length
    expect(stored + 1).toBe(statuses.length)
    expect(await rowsOf(chatId)).toHaveLength(stored)
    expect(await objectsOf(chatId)).toHaveLength(stored)
  })
})

describe('GET /chat/<id>/attachments/<attachment_id>/', () => {
  it('streams a 10 MiB file back byte for byte, as a download with the safety headers', async () => {
    const [owner, member] = await Promise.all([signUp('big'), signUp('bigreader')])
    const chatId = await groupOf(owner, member)
    const file = pdfFile(DEFAULT_MAX_ATTACHMENT_BYTES, 42)
    const sent = await uploadOk(owner, chatId, file, 'report "final".pdf')
    expect(sent).toMatchObject({ size: file.byteLength, content_type: 'application/pdf', width: null, height: null })
    const res = await download(owner, chatId, sent.attachment_id)
    expect(res.status).toBe(200)
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-type': 'application/pdf',
      'content-length': String(file.byteLength),
      'content-disposition': `attachment; filename="report _final_.pdf"; filename*=UTF-8''report%20%22final%22.pdf`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, max-age=3600',
    })
    const received = new Uint8Array(await res.arrayBuffer())
    expect(received.byteLength).toBe(file.byteLength)
    expect(indexOfMismatch(received, file)).toBe(-1)
  })

  it('serves the four image types inline, with the name in UTF-8', async () => {
    const owner = await signUp('inline')
    const chatId = await groupOf(owner)
    const sent = await uploadOk(owner, chatId, png, 'café.png')
    const res = await download(owner, chatId, sent.attachment_id)
    expect(res.headers.get('Content-Type')).toBe('image/png')
    expect(res.headers.get('Content-Disposition')).toBe(`inline; filename="caf_.png"; filename*=UTF-8''caf%C3%A9.png`)
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(png)
  })

  it('serves markup only as an opaque download', async () => {
    const owner = await signUp('svg')
    const chatId = await groupOf(owner)
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    const sent = await uploadOk(owner, chatId, svg, 'logo.svg')
    expect(sent.content_type).toBe('application/octet-stream')
    const res = await download(owner, chatId, sent.attachment_id)
    expect(res.headers.get('Content-Type')).toBe('application/octet-stream')
    expect(res.headers.get('Content-Disposition')).toMatch(/^attachment;/)
    await res.arrayBuffer()
  })

  it('refuses non-members (403), other chats\' ids (404), others\' unclaimed uploads (404) and malformed ids (400)', async () => {
    const [owner, member, stranger] = await Promise.all([signUp('o'), signUp('m'), signUp('s')])
    const chatId = await groupOf(owner, member)
    const otherChat = await groupOf(owner)
    const sent = await uploadOk(owner, chatId, png, 'a.png')
    expect(await errorCode(await download(stranger, chatId, sent.attachment_id))).toBe('not_member')
    expect(await errorCode(await download(owner, otherChat, sent.attachment_id))).toBe('not_found')
    expect(await errorCode(await download(member, chatId, sent.attachment_id))).toBe('not_found')
    const bad = await download(owner, chatId, 'not.an.id')
    expect(bad.status).toBe(400)
    expect(await res200(download(owner, chatId, sent.attachment_id))).toBe(200)
  })
})

describe('a stored attachment that was tampered with', () => {
  async function stored(label: string) {
    const owner = await signUp(label)
    const chatId = await groupOf(owner)
    const file = pdfFile(3 * CHUNK_BYTES + 100, 9)
    const sent = await uploadOk(owner, chatId, file, 'three.pdf')
    const [row] = await rowsOf(chatId)
    const key = row!.r2_key as string
    const object = await env.FILES.get(key)
    const bytes = new Uint8Array(await object!.arrayBuffer())
    const replace = (next: Uint8Array) => env.FILES.put(key, next, { customMetadata: object!.customMetadata })
    return { owner, chatId, sent, bytes, replace }
  }
  const RECORD = CHUNK_BYTES + CHUNK_OVERHEAD_BYTES

  it.each([
    ['a flipped byte in the first chunk', (b: Uint8Array) => flip(b, 100)],
    ['the first two chunks swapped', (b: Uint8Array) => concat(b.subarray(RECORD, 2 * RECORD), b.subarray(0, RECORD), b.subarray(2 * RECORD))],
  ])('answers 500 when %s', async (_, tamper) => {
    const t = await stored('t1')
    await t.replace(tamper(t.bytes))
    const res = await download(t.owner, t.chatId, t.sent.attachment_id)
    expect(res.status).toBe(500)
    expect(await errorCode(res)).toBe('internal')
  })

  it.each([
    ['a flipped byte in a later chunk', (b: Uint8Array) => flip(b, 2 * RECORD + 50)],
    ['the last two chunks swapped', (b: Uint8Array) => concat(b.subarray(0, 2 * RECORD), b.subarray(3 * RECORD), b.subarray(2 * RECORD, 3 * RECORD))],
    ['the last chunk dropped', (b: Uint8Array) => b.subarray(0, 3 * RECORD)],
    ['a chunk repeated', (b: Uint8Array) => concat(b.subarray(0, RECORD), b.subarray(0, RECORD), b.subarray(RECORD))],
  ])('errors the stream when %s', async (_, tamper) => {
    const t = await stored('t2')
    await t.replace(tamper(t.bytes))
    const res = await download(t.owner, t.chatId, t.sent.attachment_id)
    expect(res.status).toBe(200)
    await expect(res.arrayBuffer()).rejects.toThrow()
  })
})

/** An upload body whose stream yields `file` while the request declares `length` bytes. */
function bodyWithLength(length: number, file: Uint8Array, fail = false): { body: ReadableStream<Uint8Array>; headers: Record<string, string> } {
  const pieces: Uint8Array[] = []
  for (let i = 0; i < file.byteLength; i += 16384) pieces.push(file.slice(i, i + 16384))
  return { body: streamOf(pieces, fail), headers: { 'Content-Length': String(length) } }
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice()
  copy[at] = copy[at]! ^ 0x01
  return copy
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.byteLength <= haystack.byteLength; i++) {
    for (let j = 0; j < needle.byteLength; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

function indexOfMismatch(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.max(a.byteLength, b.byteLength); i++) if (a[i] !== b[i]) return i
  return -1
}

async function res200(res: Promise<Response>): Promise<number> {
  const r = await res
  await r.arrayBuffer()
  return r.status
}
