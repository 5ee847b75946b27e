import { ChatsLayout } from '../components/chats-layout'
import { UserText } from '../components/user-text'
import { user } from '../state/session'

export function HomeRoute() {
  return (
    <ChatsLayout isListPage>
      <div class="placeholder">
        <h1>Welcome, {user.value && <UserText text={user.value.username} />}</h1>
        <p class="muted">Pick a chat on the left, start a new one, or find a group to join.</p>
        <p class="actions">
          <a class="button" href="/new">
            New chat
          </a>
          <a class="button subtle" href="/explore">
            Explore groups
          </a>
        </p>
      </div>
    </ChatsLayout>
  )
}
