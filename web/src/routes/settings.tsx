import { useEffect, useState } from 'preact/hooks'
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../../protocol'
import { ApiError } from '../api/errors'
import { useAction } from '../state/action'
import { changePassword, deleteAccount } from '../state/session'
import { downloadExport, loadSettings, readReceipts, setReadReceipts } from '../state/settings'
import { NEW_PASSWORD_RULE, requireValidFields } from '../utils/text-field'

/** What a person types to confirm that the account goes, so no stray Enter deletes it. */
export const DELETE_CONFIRMATION = 'delete my account'

/**
 * The account's settings: read receipts (PATCH /me/), the way to the sessions page, a new password,
 * a copy of one's data, and deleting the account.
 */
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
      <PasswordSection />
      <ExportSection />
      <DeleteSection />
    </main>
  )
}

function formOf(ev: SubmitEvent): { form: HTMLFormElement; get: (name: string) => string } {
  ev.preventDefault()
  const form = ev.currentTarget as HTMLFormElement
  const data = new FormData(form)
  return { form, get: (name) => String(data.get(name) ?? '') }
}

function ErrorLine({ id, error }: { id: string; error: string | null }) {
  return error ? (
    <p id={id} class="error" role="alert">
      {error}
    </p>
  ) : null
}

/** POST /me/password/: the new password twice, so a typo does not lock the person out. */
function PasswordSection() {
  const action = useAction()
  const [done, setDone] = useState<string | null>(null)
  const submit = (ev: SubmitEvent) => {
    const { form, get } = formOf(ev)
    setDone(null)
    void action.run(true, async () => {
      const next = get('new_password')
      requireValidFields([['New password', next, NEW_PASSWORD_RULE]])
      if (next !== get('repeat_password')) throw new ApiError('invalid_request', "The new passwords don't match.")
      const ended = await changePassword(get('old_password'), next)
      form.reset()
      setDone(`Password changed. ${ended === 1 ? '1 other session was' : `${ended} other sessions were`} signed out.`)
    })
  }
  const error = action.error.value
  return (
    <section class="card settings-section" aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <form onSubmit={submit} aria-describedby={error ? 'password-error' : undefined}>
        <label for="old-password">Current password</label>
        <input id="old-password" name="old_password" type="password" autoComplete="current-password" required />
        <label for="new-password">New password</label>
        <input id="new-password" name="new_password" type="password" autoComplete="new-password" required aria-describedby="new-password-hint" />
        <p id="new-password-hint" class="hint">
          {PASSWORD_MIN_LENGTH}–{PASSWORD_MAX_LENGTH} characters. Every other device is signed out.
        </p>
        <label for="repeat-password">Repeat the new password</label>
        <input id="repeat-password" name="repeat_password" type="password" autoComplete="new-password" required />
        <ErrorLine id="password-error" error={error} />
        <p class="notice" role="status">
          {done}
        </p>
        <button class="button primary" type="submit" disabled={action.busy.value !== null}>
          {action.busy.value !== null ? 'Please wait…' : 'Change password'}
        </button>
      </form>
    </section>
  )
}

/** GET /me/export/ as a file download. */
function ExportSection() {
  const action = useAction()
  const isBusy = action.busy.value !== null
  return (
    <section class="card settings-section" aria-labelledby="export-title">
      <h2 id="export-title">Your data</h2>
      <p class="muted">A JSON file with your profile, your chats and their members, and every message you sent.</p>
      <ErrorLine id="export-error" error={action.error.value} />
      <button type="button" class="button" disabled={isBusy} onClick={() => void action.run(true, downloadExport)}>
        {isBusy ? 'Preparing…' : 'Download my data'}
      </button>
    </section>
  )
}

/** DELETE /me/: the password and a typed phrase; success leaves for the sign-in page. */
function DeleteSection() {
  const action = useAction({ staysBusyOnSuccess: true })
  const submit = (ev: SubmitEvent) => {
    const { get } = formOf(ev)
    void action.run(true, async () => {
      if (get('confirm').trim().toLowerCase() !== DELETE_CONFIRMATION) throw new ApiError('invalid_request', `Type "${DELETE_CONFIRMATION}" to confirm.`)
      await deleteAccount(get('password'))
    })
  }
  const error = action.error.value
  return (
    <section class="card settings-section" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete account</h2>
      <p class="muted" id="delete-hint">
        Your email, username and password are erased and every device is signed out. Groups you own pass to their oldest admin or member. Messages you
        sent stay in their chats as "Deleted user". This cannot be undone.
      </p>
      <form onSubmit={submit} aria-describedby={error ? 'delete-error delete-hint' : 'delete-hint'}>
        <label for="delete-password">Password</label>
        <input id="delete-password" name="password" type="password" autoComplete="current-password" required />
        <label for="delete-confirm">Type "{DELETE_CONFIRMATION}" to confirm</label>
        <input id="delete-confirm" name="confirm" autoComplete="off" required />
        <ErrorLine id="delete-error" error={error} />
        <button class="button danger" type="submit" disabled={action.busy.value !== null}>
          {action.busy.value !== null ? 'Deleting…' : 'Delete account'}
        </button>
      </form>
    </section>
  )
}
