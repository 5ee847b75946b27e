import { useEffect } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { initial } from '../components/chat-list'
import { UserText } from '../components/user-text'
import { useAction } from '../state/action'
import { exploreError, exploreList, exploreStatus, joinExploredGroup, loadExplore } from '../state/chats'

export function ExploreRoute() {
  const { route } = useLocation()
  // Joining opens the group, so its button stays busy until the page changes.
  const joining = useAction<number>({ staysBusyOnSuccess: true })
  useEffect(() => void loadExplore(), [])
  const join = (chatId: number) =>
    joining.run(chatId, async () => {
      await joinExploredGroup(chatId)
      route(`/c/${chatId}`)
    })
  const busyId = joining.busy.value
  const error = joining.error.value
  const groups = exploreList.value
  return (
    <main id="main" class="page">
      <h1>Explore groups</h1>
      <p class="muted">Public groups you haven't joined yet.</p>
      {(error ?? exploreError.value) && (
        <p class="error" role="alert">
          {error ?? exploreError.value}
        </p>
      )}
      {exploreStatus.value === 'loading' && groups.length === 0 && <p class="muted">Loading groups…</p>}
      {exploreStatus.value === 'ready' && groups.length === 0 && (
        <p>
          No public groups to join right now. <a href="/new">Create one</a>.
        </p>
      )}
      <ul class="group-grid">
        {groups.map((group) => (
          <li key={group.chat_id} class="card group-card">
            <span class="avatar" aria-hidden="true">
              {initial(group.name)}
            </span>
            <span class="group-info">
              <UserText class="chat-name" text={group.name} />
              <span class="muted small">
                {group.member_count} {group.member_count === 1 ? 'member' : 'members'}
              </span>
            </span>
            <button type="button" class="button small primary" disabled={busyId !== null} onClick={() => join(group.chat_id)} aria-label={`Join ${group.name}`}>
              {busyId === group.chat_id ? 'Joining…' : 'Join'}
            </button>
          </li>
        ))}
      </ul>
    </main>
  )
}
