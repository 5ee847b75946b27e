import { signal, type ReadonlySignal } from '@preact/signals'
import { useMemo } from 'preact/hooks'
import { describeError } from '../api/errors'

export interface ActionOptions {
  /**
   * For actions that end by leaving the page (sign in, create a group, join one): after success the
   * control stays busy until the page is replaced, so it cannot be sent a second time in between.
   */
  staysBusyOnSuccess?: boolean
}

/** Something a person starts with a button (or a form), shown as busy while it runs and as a sentence if it fails. */
export interface Action<K> {
  /** What is running: `true` for a single form or button, the row's id for a list of them; null when idle. */
  readonly busy: ReadonlySignal<K | null>
  /** The last failure as a sentence from describeError (never raw server text); cleared when a run starts. */
  readonly error: ReadonlySignal<string | null>
  /**
   * Runs `task` unless another run is in flight. Resolves true when it succeeded, false when it
   * failed (the error is in `error`) or was refused; never rejects.
   */
  run(key: K, task: () => Promise<unknown>): Promise<boolean>
  clearError(): void
}

/** The busy/error/try-catch shared by every form and button that calls the API. */
export function createAction<K = true>({ staysBusyOnSuccess = false }: ActionOptions = {}): Action<K> {
  const busy = signal<K | null>(null)
  const error = signal<string | null>(null)

  async function run(key: K, task: () => Promise<unknown>): Promise<boolean> {
    if (busy.peek() !== null) return false
    busy.value = key
    error.value = null
    try {
      await task()
      if (!staysBusyOnSuccess) busy.value = null
      return true
    } catch (err) {
      error.value = describeError(err)
      busy.value = null
      return false
    }
  }

  return { busy, error, run, clearError: () => void (error.value = null) }
}

/** createAction for a component: one per mounted component, kept across renders. */
export function useAction<K = true>(options?: ActionOptions): Action<K> {
  // The options are read once, like a hook's initial state.
  return useMemo(() => createAction<K>(options), [])
}
