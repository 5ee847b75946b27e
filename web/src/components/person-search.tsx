import { useEffect } from 'preact/hooks'
import type { UserSummaryBody } from '../../../protocol'
import { useAction } from '../state/action'
import { people, peopleError, peopleQuery, peopleStatus, searchPeople } from '../state/people'
import { initial } from './chat-list'
import { UserText } from './user-text'

/** Search box plus results; `onPick` does the action (start a chat, add to a group) and may fail. */
export function PersonSearch({ actionLabel, onPick, inputId }: { actionLabel: string; onPick: (person: UserSummaryBody) => Promise<void>; inputId: string }) {
  const picking = useAction<number>()
  useEffect(() => searchPeople(peopleQuery.value, 0), [])
  const pick = (person: UserSummaryBody) => picking.run(person.userid, () => onPick(person))
  const busyId = picking.busy.value
  const error = picking.error.value
  return (
    <div class="person-search">
      <label for={inputId}>Find people by username</label>
      <input id={inputId} type="search" value={peopleQuery.value} onInput={(ev) => searchPeople(ev.currentTarget.value)} autoComplete="off" />
      {(error ?? peopleError.value) && (
        <p class="error" role="alert">
          {error ?? peopleError.value}
        </p>
      )}
      <ul class="people" aria-busy={peopleStatus.value === 'loading'}>
        {people.value.map((person) => (
          <li key={person.userid} class="person">
            <span class="avatar" aria-hidden="true">
              {initial(person.username)}
            </span>
            <UserText class="person-name" text={person.username} />
            <button type="button" class="button small" disabled={busyId !== null} onClick={() => pick(person)} aria-label={`${actionLabel} ${person.username}`}>
              {busyId === person.userid ? 'Working…' : actionLabel}
            </button>
          </li>
        ))}
      </ul>
      {peopleStatus.value === 'ready' && people.value.length === 0 && <p class="muted">
          Nobody matches “<UserText text={peopleQuery.value} />”.
        </p>}
    </div>
  )
}
