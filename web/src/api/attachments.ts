import { PATHS, type AttachmentBody } from '../../../protocol'
import { apiCredentials, apiUrl } from './base'
import { ApiError, toApiError } from './errors'
import { getAccessToken, refreshAccessToken } from './http'

// Attachments (#13) travel apart from messages: the file is uploaded first, then its id goes in a
// `send` frame. Both directions need the bearer token, which only this folder knows.

/** Bytes sent so far and the body's total, for a progress bar. */
export interface UploadProgress {
  loadedBytes: number
  totalBytes: number
}

export interface Upload {
  /** Resolves with the stored attachment; rejects with ApiError (`network`, or the server's refusal). */
  done: Promise<AttachmentBody>
  /** Aborts the request (the server then stores nothing, docs/protocol.md#attachments); `done` rejects with an AbortError. */
  abort(): void
}

/**
 * Uploads `file` to chat `chatId` as `POST /chat/<id>/attachments/?name=<file name>` with the file as
 * the raw body. XMLHttpRequest, not fetch: Chromium reports no upload progress for fetch unless the
 * body is a stream over HTTP/2, and a streamed body has no Content-Length, which the route requires
 * (411). A token error (401) is retried once after a refresh, as `request()` does.
 */
export function uploadAttachment(chatId: number, file: Blob, name: string, onProgress: (progress: UploadProgress) => void): Upload {
  let current: XMLHttpRequest | null = null
  let isAborted = false
  const attempt = (token: string) =>
    new Promise<XMLHttpRequest>((resolve, reject) => {
      const xhr = new XMLHttpRequest()
      current = xhr
      xhr.open('POST', apiUrl(`${PATHS.chatAttachments(chatId)}?name=${encodeURIComponent(name)}`))
      xhr.withCredentials = apiCredentials() === 'include'
      xhr.setRequestHeader('Authorization', `Bearer ${token}`)
      xhr.setRequestHeader('Accept', 'application/json')
      xhr.upload.onprogress = (ev) => onProgress({ loadedBytes: ev.loaded, totalBytes: ev.lengthComputable ? ev.total : file.size })
      xhr.onload = () => resolve(xhr)
      xhr.onerror = () => reject(new ApiError('network', 'network error'))
      xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'))
      xhr.send(file)
    })
  const run = async (): Promise<AttachmentBody> => {
    let xhr = await attempt((await getAccessToken()).token)
    if (xhr.status === 401 && !isAborted) xhr = await attempt((await refreshAccessToken()).token)
    const res = new Response(xhr.responseText, { status: xhr.status, headers: { 'Content-Type': 'application/json' } })
    if (!res.ok) throw await toApiError(res)
    return (await res.json()) as AttachmentBody
  }
  return {
    done: run(),
    abort: () => {
      isAborted = true
      current?.abort()
    },
  }
}

/**
 * The bytes of attachment `attachmentId` of chat `chatId` (`GET /chat/<id>/attachments/<id>/`) as a
 * Blob, fetched with the bearer token: an `<img src>` or a plain link cannot send the token, and the
 * worker offers no signed URLs, so the page shows and saves a `blob:` URL of this (docs/web-client.md).
 */
export async function fetchAttachment(chatId: number, attachmentId: string, signal?: AbortSignal): Promise<Blob> {
  const path = PATHS.chatAttachment(chatId, attachmentId)
  const send = async (token: string) => {
    try {
      return await fetch(apiUrl(path), { headers: { Authorization: `Bearer ${token}` }, credentials: apiCredentials(), signal })
    } catch (err) {
      if (signal?.aborted) throw err
      throw new ApiError('network', 'network error')
    }
  }
  let res = await send((await getAccessToken()).token)
  if (res.status === 401) res = await send((await refreshAccessToken()).token)
  if (!res.ok) throw await toApiError(res)
  return res.blob()
}
