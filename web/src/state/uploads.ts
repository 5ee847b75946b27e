import { signal } from '@preact/signals'
import { MAX_ATTACHMENTS_PER_MESSAGE, type AttachmentBody } from '../../../protocol'
import { uploadAttachment } from '../api/attachments'
import { ApiError, describeError } from '../api/errors'

// The composer's files (#13): each is uploaded as soon as it is picked, dropped or pasted, with a
// progress bar and Cancel; the next send carries the ones that finished.

export interface PendingUpload {
  /** Local key (the server's id comes with `attachment`). */
  key: string
  name: string
  sizeBytes: number
  status: 'uploading' | 'ready' | 'failed'
  loadedBytes: number
  /** Set once stored. */
  attachment: AttachmentBody | null
  /** Why it failed, as a sentence. */
  error: string | null
}

export const uploads = signal<PendingUpload[]>([])
/** A file refused before any upload (too many), as a sentence; cleared by the next pick. */
export const uploadNotice = signal<string | null>(null)

const aborts = new Map<string, () => void>()
let uploadChatId: number | null = null

/** Starts uploading `files` to chat `chatId`; at most MAX_ATTACHMENTS_PER_MESSAGE wait at once. */
export function addFiles(chatId: number, files: readonly File[]): void {
  if (uploadChatId !== chatId) clearUploads()
  uploadChatId = chatId
  const room = MAX_ATTACHMENTS_PER_MESSAGE - uploads.value.length
  uploadNotice.value = files.length > room ? `A message can carry at most ${MAX_ATTACHMENTS_PER_MESSAGE} files.` : null
  for (const file of files.slice(0, Math.max(0, room))) start(chatId, file)
}

function start(chatId: number, file: File): void {
  const key = crypto.randomUUID()
  // A pasted screenshot has the name "image.png" (Chromium) or none at all.
  const name = file.name || `pasted.${file.type.split('/')[1] ?? 'bin'}`
  uploads.value = [...uploads.value, { key, name, sizeBytes: file.size, status: 'uploading', loadedBytes: 0, attachment: null, error: null }]
  const upload = uploadAttachment(chatId, file, name, ({ loadedBytes }) => update(key, { loadedBytes }))
  aborts.set(key, upload.abort)
  upload.done.then(
    (attachment) => update(key, { status: 'ready', loadedBytes: file.size, attachment }),
    (err: unknown) => {
      if (!(err instanceof DOMException && err.name === 'AbortError')) update(key, { status: 'failed', error: describeUploadError(err) })
    },
  ).finally(() => aborts.delete(key))
}

function update(key: string, change: Partial<PendingUpload>): void {
  uploads.value = uploads.value.map((u) => (u.key === key ? { ...u, ...change } : u))
}

/** Cancel (while uploading: the request is aborted, and the server keeps nothing) or Remove. */
export function cancelUpload(key: string): void {
  aborts.get(key)?.()
  aborts.delete(key)
  uploads.value = uploads.value.filter((u) => u.key !== key)
}

/** The files the next send carries, in the order picked. */
export function readyAttachments(): AttachmentBody[] {
  return uploads.value.flatMap((u) => (u.status === 'ready' && u.attachment ? [u.attachment] : []))
}

export function isUploading(): boolean {
  return uploads.value.some((u) => u.status === 'uploading')
}

/** Aborts what is in flight and empties the list: after a send, and when the room closes. */
export function clearUploads(): void {
  for (const abort of aborts.values()) abort()
  aborts.clear()
  uploads.value = []
  uploadNotice.value = null
}

const UPLOAD_ERRORS: Partial<Record<string, string>> = {
  payload_too_large: 'This file is too large to send.',
  file_empty: 'This file is empty.',
  file_type_not_allowed: "Files of this type can't be sent.",
  length_required: "This file couldn't be read. Try picking it again.",
}

/** An upload's refusal as a sentence: the file-specific codes first, then `describeError`. */
export function describeUploadError(err: unknown): string {
  return (err instanceof ApiError && UPLOAD_ERRORS[err.code]) || describeError(err)
}
