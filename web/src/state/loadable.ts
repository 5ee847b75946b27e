import { signal } from '@preact/signals'
import { describeError } from '../api/errors'

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error'

/**
 * Something fetched from the API and shown: its value, where the fetch stands, and a sentence for the
 * last failure. A newer load always wins: an older answer arriving late is dropped.
 */
export function createLoadable<T>(initial: T) {
  const value = signal<T>(initial)
  const status = signal<LoadStatus>('idle')
  const error = signal<string | null>(null)
  let latest = 0

  /** `refresh`: a list already shown stays shown (and 'ready') while reloading and if the reload fails. */
  async function load(fetch: () => Promise<T>, { refresh = false } = {}): Promise<void> {
    const ticket = ++latest
    const keep = refresh && status.value === 'ready'
    if (!keep) status.value = 'loading'
    try {
      const next = await fetch()
      if (ticket !== latest) return
      value.value = next
      status.value = 'ready'
      error.value = null
    } catch (err) {
      if (ticket !== latest) return
      error.value = describeError(err)
      if (!keep) status.value = 'error'
    }
  }

  function reset(): void {
    latest++
    value.value = initial
    status.value = 'idle'
    error.value = null
  }

  return { value, status, error, load, reset }
}
