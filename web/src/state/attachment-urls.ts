import { signal, type Signal } from '@preact/signals'
import { fetchAttachment } from '../api/attachments'

// `blob:` URLs of attachments shown in the room, shared by every view of one file and revoked when
// the last view unmounts (a blob URL holds its bytes in memory until revoked).

export type BlobState = { status: 'loading' } | { status: 'ready'; url: string } | { status: 'failed' }

interface Entry {
  state: Signal<BlobState>
  users: number
  abort: AbortController
}

const entries = new Map<string, Entry>()

/**
 * The `blob:` URL of attachment `attachmentId` of chat `chatId` as a signal, fetched on first use.
 * Pair every call with `releaseBlobUrl` (a component: on unmount).
 */
export function acquireBlobUrl(chatId: number, attachmentId: string): Signal<BlobState> {
  const key = `${chatId}/${attachmentId}`
  let entry = entries.get(key)
  if (!entry) {
    const created: Entry = { state: signal<BlobState>({ status: 'loading' }), users: 0, abort: new AbortController() }
    entry = created
    entries.set(key, created)
    fetchAttachment(chatId, attachmentId, created.abort.signal).then(
      (blob) => {
        if (entries.get(key) === created) created.state.value = { status: 'ready', url: URL.createObjectURL(blob) }
      },
      () => {
        if (entries.get(key) === created) created.state.value = { status: 'failed' }
      },
    )
  }
  entry.users++
  return entry.state
}

/** Ends one use; the last one aborts the fetch or revokes the URL. */
export function releaseBlobUrl(chatId: number, attachmentId: string): void {
  const key = `${chatId}/${attachmentId}`
  const entry = entries.get(key)
  if (!entry || --entry.users > 0) return
  entries.delete(key)
  entry.abort.abort()
  const state = entry.state.value
  if (state.status === 'ready') URL.revokeObjectURL(state.url)
}

/**
 * Saves one attachment as a file: fetched with the token into a blob, then handed to the browser's
 * download through a temporary `<a download>` (the worker's own `Content-Disposition` cannot act on a
 * blob), and the blob URL revoked a minute later.
 */
export async function saveAttachment(chatId: number, attachment: { attachment_id: string; name: string }): Promise<void> {
  const blob = await fetchAttachment(chatId, attachment.attachment_id)
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = attachment.name
  link.click()
  // The download reads the blob after the click returns, and Chromium cancels one whose URL is revoked
  // before it started; a minute is ample (FileSaver.js waits 40 s for the same reason).
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
