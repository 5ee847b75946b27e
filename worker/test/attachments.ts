import { env } from 'cloudflare:workers'
import type { AttachmentBody } from '../../protocol/http'
import { api, authed, type TestUser } from './helpers'

// Attachment helpers (issue #13): upload through the real route, and what is left in R2 and D1.

/** POSTs `bytes` as the file `name` to chat `chatId`'s upload route. */
export function upload(user: TestUser, chatId: number, bytes: BodyInit, name = 'file.bin', headers: Record<string, string> = {}): Promise<Response> {
  const path = `/chat/${chatId}/attachments/?${new URLSearchParams({ name })}`
  return api(path, authed(user.accessToken, { method: 'POST', body: bytes, headers: { 'Content-Type': 'application/octet-stream', ...headers } }))
}

/** Uploads and returns the attachment, failing the test on anything but 201. */
export async function uploadOk(user: TestUser, chatId: number, bytes: Uint8Array<ArrayBuffer>, name = 'file.bin'): Promise<AttachmentBody> {
  const res = await upload(user, chatId, bytes, name)
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as AttachmentBody
}

export function download(user: TestUser, chatId: number, attachmentId: string): Promise<Response> {
  return api(`/chat/${chatId}/attachments/${attachmentId}/`, authed(user.accessToken))
}

/** Every object key in the bucket under chat `chatId`. */
export async function objectsOf(chatId: number): Promise<string[]> {
  const listed = await env.FILES.list({ prefix: `chats/${chatId}/` })
  return listed.objects.map((o) => o.key)
}

/** Every D1 row of chat `chatId`'s attachments. */
export async function rowsOf(chatId: number): Promise<Record<string, unknown>[]> {
  const { results } = await env.DB.prepare('SELECT * FROM attachments WHERE chat_id = ?').bind(chatId).all()
  return results
}

/** Counting bytes: `n` pseudo-random bytes from `seed` (a file with no repeated chunk). */
export function randomFile(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** A PDF-typed file of `n` bytes: a real signature, then pseudo-random bytes. */
export function pdfFile(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = randomFile(n, seed)
  out.set(new TextEncoder().encode('%PDF-1.7\n'))
  return out
}
