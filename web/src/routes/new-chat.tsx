import { useLocation } from 'preact-iso'
import { CHAT_NAME_MAX_LENGTH, type ChatVisibility } from '../../../protocol'
import { PersonSearch } from '../components/person-search'
import { useAction } from '../state/action'
import { createGroupChat, startPrivateChat } from '../state/chats'
import { GROUP_NAME_RULE, requireValidFields } from '../utils/text-field'

export function NewChatRoute() {
  const { route } = useLocation()
  return (
    <main id="main" class="page">
      <h1>New chat</h1>
      <div class="two-col">
        <section class="card" aria-labelledby="direct-heading">
          <h2 id="direct-heading">Message someone</h2>
          <PersonSearch inputId="people-search" actionLabel="Message" onPick={async (person) => route(`/c/${await startPrivateChat(person.userid)}`)} />
        </section>
        <GroupForm onCreated={(chatId) => route(`/c/${chatId}`)} />
      </div>
    </main>
  )
}

function GroupForm({ onCreated }: { onCreated: (chatId: number) => void }) {
  const action = useAction({ staysBusyOnSuccess: true })
  const submit = (ev: SubmitEvent) => {
    ev.preventDefault()
    const form = new FormData(ev.currentTarget as HTMLFormElement)
    const visibility: ChatVisibility = form.get('visibility') === 'private' ? 'private' : 'public'
    void action.run(true, async () => {
      const name = String(form.get('name'))
      requireValidFields([['Group name', name, GROUP_NAME_RULE]])
      onCreated(await createGroupChat(name, visibility))
    })
  }
  const error = action.error.value
  const isBusy = action.busy.value !== null
  return (
    <form class="card" onSubmit={submit} aria-labelledby="group-heading">
      <h2 id="group-heading">Create a group</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <label for="group-name">Group name</label>
      {/* No maxLength: it counts UTF-16 units and would cut 100 emoji to 50; requireValidFields counts code points. */}
      <input id="group-name" name="name" required autoComplete="off" aria-describedby="group-name-hint" aria-invalid={error ? true : undefined} />
      <p id="group-name-hint" class="hint">Up to {CHAT_NAME_MAX_LENGTH} characters.</p>
      <fieldset>
        <legend>Who can join</legend>
        <label class="radio">
          <input type="radio" name="visibility" value="public" defaultChecked /> Public: anyone can find and join it
        </label>
        <label class="radio">
          <input type="radio" name="visibility" value="private" /> Private: only people you add
        </label>
      </fieldset>
      <button class="button primary" type="submit" disabled={isBusy}>
        {isBusy ? 'Creating…' : 'Create group'}
      </button>
    </form>
  )
}
