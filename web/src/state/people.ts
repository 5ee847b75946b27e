import { signal } from '@preact/signals'
import type { UserSummaryBody } from '../../../protocol'
import { searchUsers } from '../api/auth'
import { describeError } from '../api/errors'

export const peopleQuery = signal('')
export const people = signal<UserSummaryBody[]>([])
export const peopleStatus = signal<'idle' | 'loading' | 'ready' | 'error'>('idle')
export const peopleError = signal<string | null>(null)

let timer: ReturnType<typeof setTimeout> | undefined
let latest = 0

/** Debounced search; an older answer arriving late never overwrites a newer one. */
export function searchPeople(query: string, delayMs = 250): void {
  peopleQuery.value = query
  clearTimeout(timer)
  timer = setTimeout(async () => {
    const ticket = ++latest
    peopleStatus.value = 'loading'
    try {
      const res = await searchUsers(query.trim())
      if (ticket !== latest) return
      people.value = res.users
      peopleStatus.value = 'ready'
      peopleError.value = null
    } catch (err) {
      if (ticket !== latest) return
      peopleError.value = describeError(err)
      peopleStatus.value = 'error'
    }
  }, delayMs)
}
