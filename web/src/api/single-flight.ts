/**
 * Wraps an async task so concurrent callers share one run: ten requests failing with 401 at once
 * cause one refresh, not ten. Refresh tokens rotate, and presenting a rotated one again revokes the
 * whole login, so a second concurrent refresh would sign the user out.
 */
export function singleFlight<T>(task: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null
  return () => {
    inFlight ??= task().finally(() => {
      inFlight = null
    })
    return inFlight
  }
}

/**
 * Runs `task` holding a lock shared by every tab of this origin, so two tabs never present the
 * same refresh cookie at once. Falls back to running directly where Web Locks are missing.
 */
export function withCrossTabLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
  if (!locks) return task()
  return locks.request(name, task) as Promise<T>
}
