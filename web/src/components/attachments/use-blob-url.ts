import { useEffect, useState } from 'preact/hooks'
import { acquireBlobUrl, releaseBlobUrl, type BlobState } from '../../state/attachment-urls'

/** The attachment's `blob:` URL while the component is mounted (fetched on mount, released on unmount). */
export function useBlobUrl(chatId: number, attachmentId: string): BlobState {
  const [state, setState] = useState<BlobState>({ status: 'loading' })
  useEffect(() => {
    const blob = acquireBlobUrl(chatId, attachmentId)
    const stop = blob.subscribe(setState)
    return () => {
      stop()
      releaseBlobUrl(chatId, attachmentId)
    }
  }, [chatId, attachmentId])
  return state
}
