import { useEffect } from 'preact/hooks'
import { useAction } from '../state/action'
import { loadSettings, readReceipts, setReadReceipts } from '../state/settings'

/** The account's settings: read receipts (PATCH /me/) and the way to the sessions page. */
export function SettingsRoute() {
  const action = useAction()
  useEffect(() => void action.run(true, loadSettings), [])
  const isOn = readReceipts.value
  const error = action.error.value
  return (
    <main id="main" class="page narrow">
      <h1>Settings</h1>
      <section class="card settings-section" aria-labelledby="privacy-title">
        <h2 id="privacy-title">Privacy</h2>
        <label class="switch">
          <input type="checkbox" role="switch" checked={isOn} disabled={action.busy.value !== null} aria-describedby="receipts-hint" onChange={(e) => void action.run(true, () => setReadReceipts(e.currentTarget.checked))} />
          Send read receipts
        </label>
        <p id="receipts-hint" class="muted small">
          Others see "Seen" when you have read their messages. When this is off, you don't see theirs either.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </section>
      <section class="card settings-section" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Sessions</h2>
        <p class="muted">Every device or browser signed in to your account.</p>
        <a href="/settings/sessions">Manage active sessions</a>
      </section>
    </main>
  )
}
