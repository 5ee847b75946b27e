import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { describeError } from '../api/errors'
import { ThemeToggle } from './theme-toggle'

/** The frame shared by sign-in and sign-up: title, error line, busy state, one submit handler. */
export function AuthForm(props: { title: string; submitLabel: string; notice?: string | null; onSubmit: (form: FormData) => Promise<void>; footer: ComponentChildren; children: ComponentChildren }) {
  const [error, setError] = useState<string | null>(null)
  const [isBusy, setBusy] = useState(false)
  const submit = async (ev: SubmitEvent) => {
    ev.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await props.onSubmit(new FormData(ev.currentTarget as HTMLFormElement))
    } catch (err) {
      setError(describeError(err))
      setBusy(false)
    }
  }
  return (
    <main id="main" class="auth-page">
      <div class="auth-top">
        <span class="brand">Edge Chat</span>
        <ThemeToggle />
      </div>
      <form class="card auth-card" onSubmit={submit} aria-describedby={error ? 'form-error' : undefined}>
        <h1>{props.title}</h1>
        {props.notice && !error && <p class="notice">{props.notice}</p>}
        {error && (
          <p id="form-error" class="error" role="alert">
            {error}
          </p>
        )}
        {props.children}
        <button class="button primary wide" type="submit" disabled={isBusy}>
          {isBusy ? 'Please wait…' : props.submitLabel}
        </button>
        <p class="muted center">{props.footer}</p>
      </form>
    </main>
  )
}
