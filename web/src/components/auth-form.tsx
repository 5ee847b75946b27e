import type { ComponentChildren } from 'preact'
import { useAction } from '../state/action'
import { ThemeToggle } from './theme-toggle'

/** The frame shared by sign-in and sign-up: title, error line, busy state, one submit handler. */
export function AuthForm(props: { title: string; submitLabel: string; notice?: string | null; onSubmit: (form: FormData) => Promise<void>; footer: ComponentChildren; children: ComponentChildren }) {
  // Success signs in and leaves the page, so the button stays busy until then.
  const action = useAction({ staysBusyOnSuccess: true })
  const submit = (ev: SubmitEvent) => {
    ev.preventDefault()
    const form = new FormData(ev.currentTarget as HTMLFormElement)
    void action.run(true, () => props.onSubmit(form))
  }
  const error = action.error.value
  const isBusy = action.busy.value !== null
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

/**
 * `path` (the other auth page) keeping this page's `?next=`, so someone who came from an invite link
 * and switches between signing in and signing up still lands where they were going.
 */
export function withNext(path: string): string {
  const next = new URLSearchParams(location.search).get('next')
  return next ? `${path}?${new URLSearchParams({ next })}` : path
}
