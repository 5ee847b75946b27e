import { signal } from '@preact/signals'
import type { UserSummaryBody } from '../../../protocol'
import { searchUsers } from '../api/auth'
import { createLoadable } from './loadable'

export const peopleQuery = signal('')
const results = createLoadable<UserSummaryBody[]>([])
export const { value: people, status: peopleStatus, error: peopleError } = results

let timer: ReturnType<typeof setTimeout> | undefined

/** Debounced search; an older answer arriving late never overwrites a newer one. */
export function searchPeople(query: string, delayMs = 250): void {
  peopleQuery.value = query
  clearTimeout(timer)
  timer = setTimeout(() => void results.load(async () => (await searchUsers(query.trim())).users), delayMs)
}
