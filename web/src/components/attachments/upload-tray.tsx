import { cancelUpload, uploadNotice, uploads } from '../../state/uploads'
import { formatBytes } from '../../utils/file-size'
import { UserText } from '../user-text'

/** The composer's files: a progress bar and Cancel while uploading, Remove once stored or failed. */
export function UploadTray() {
  const list = uploads.value
  if (list.length === 0 && !uploadNotice.value) return null
  return (
    <div class="upload-tray">
      {uploadNotice.value && (
        <p class="error" role="alert">
          {uploadNotice.value}
        </p>
      )}
      <ul aria-label="Files to send">
        {list.map((u) => (
          <li key={u.key} class={`upload is-${u.status}`}>
            <UserText class="file-name" text={u.name} />
            <span class="file-size">{formatBytes(u.sizeBytes)}</span>
            {u.status === 'uploading' && <progress max={u.sizeBytes || 1} value={u.loadedBytes} aria-label={`Uploading ${u.name}`} />}
            {u.status === 'failed' && (
              <span class="error" role="alert">
                {u.error}
              </span>
            )}
            <button type="button" class="button small" aria-label={`${u.status === 'uploading' ? 'Cancel upload of' : 'Remove'} ${u.name}`} onClick={() => cancelUpload(u.key)}>
              {u.status === 'uploading' ? 'Cancel' : 'Remove'}
            </button>
          </li>
        ))}
      </ul>
    </div>
  )
}
