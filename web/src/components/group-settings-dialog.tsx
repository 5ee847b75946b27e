import { useEffect, useRef, useState } from 'preact/hooks'
import { CHAT_NAME_MAX_LENGTH, type ChatListItem, type ChatVisibility, type CreatedInviteBody } from '../../../protocol'
import { useAction } from '../state/action'
import {
  INVITE_EXPIRY_CHOICES,
  INVITE_USE_CHOICES,
  closeInvites,
  createInviteLink,
  createdInvite,
  deleteGroup,
  invites,
  invitesError,
  invitesStatus,
  loadInvites,
  revokeInviteLink,
  saveGroupSettings,
  transferCandidates,
  transferGroup,
} from '../state/group-settings'
import { loadMembers, members, closeMembers } from '../state/members'
import { user } from '../state/session'
import { GROUP_NAME_RULE, requireValidFields } from '../utils/text-field'
import { formatFullTime } from '../utils/time'
import { UserText } from './user-text'

/**
 * A group's settings for its owner and admins (loaded on first use): name and visibility, invite
 * links (create, copy, list, revoke) and, for the owner, transferring ownership and deleting the
 * group, each asking once more in place. A native modal <dialog>, like the Members panel.
 */
export function GroupSettingsDialog({ chat, onClose, onDeleted }: { chat: ChatListItem; onClose: () => void; onDeleted: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const isOwner = chat.role === 'owner'
  useEffect(() => {
    dialog.current?.showModal()
    void loadInvites(chat.chat_id)
    if (isOwner) void loadMembers(chat.chat_id)
    return () => (closeInvites(), closeMembers())
  }, [chat.chat_id])
  return (
    <dialog ref={dialog} class="dialog card settings-dialog" aria-labelledby="group-settings-title" onClose={onClose}>
      <div class="dialog-head">
        <h2 id="group-settings-title">Group settings</h2>
        <button type="button" class="icon-button" onClick={() => dialog.current?.close()} aria-label="Close">
          ✕
        </button>
      </div>
      <NameAndVisibility chat={chat} />
      <Invites chatId={chat.chat_id} />
      {isOwner && <Transfer chatId={chat.chat_id} />}
      {isOwner && <DeleteGroup chat={chat} onDeleted={onDeleted} />}
    </dialog>
  )
}

function NameAndVisibility({ chat }: { chat: ChatListItem }) {
  const action = useAction()
  const [notice, setNotice] = useState('')
  const submit = (ev: Event) => {
    ev.preventDefault()
    const form = new FormData(ev.currentTarget as HTMLFormElement)
    const name = String(form.get('name')).trim()
    const visibility: ChatVisibility = form.get('visibility') === 'private' ? 'private' : 'public'
    setNotice('')
    void action
      .run(true, async () => {
        requireValidFields([['Group name', name, GROUP_NAME_RULE]])
        await saveGroupSettings(chat.chat_id, {
          name: name === chat.name ? undefined : name,
          visibility: visibility === chat.visibility ? undefined : visibility,
        })
      })
      .then((isDone) => isDone && setNotice('Saved.'))
  }
  return (
    <form class="settings-section" onSubmit={submit} aria-labelledby="settings-general">
      <h3 id="settings-general">Name and visibility</h3>
      {action.error.value && (
        <p class="error" role="alert">
          {action.error.value}
        </p>
      )}
      <label for="settings-name">Group name</label>
      {/* No maxLength: it counts UTF-16 units; requireValidFields counts code points. */}
      <input id="settings-name" name="name" required autoComplete="off" defaultValue={chat.name} aria-describedby="settings-name-hint" />
      <p id="settings-name-hint" class="hint">Up to {CHAT_NAME_MAX_LENGTH} characters.</p>
      <fieldset>
        <legend>Who can join</legend>
        <label class="radio">
          <input type="radio" name="visibility" value="public" defaultChecked={chat.visibility !== 'private'} /> Public: anyone can find and join it
        </label>
        <label class="radio">
          <input type="radio" name="visibility" value="private" defaultChecked={chat.visibility === 'private'} /> Private: only people added or invited
        </label>
      </fieldset>
      <button type="submit" class="button primary small" disabled={action.busy.value !== null}>
        Save
      </button>{' '}
      <span class="muted small" role="status">
        {notice}
      </span>
    </form>
  )
}

function Invites({ chatId }: { chatId: number }) {
  const action = useAction<string>()
  const [notice, setNotice] = useState('')
  const create = (ev: Event) => {
    ev.preventDefault()
    const form = new FormData(ev.currentTarget as HTMLFormElement)
    const expires = INVITE_EXPIRY_CHOICES[Number(form.get('expires'))]![1]
    const uses = INVITE_USE_CHOICES[Number(form.get('uses'))]![1]
    setNotice('')
    void action.run('create', () => createInviteLink(chatId, expires, uses)).then((isDone) => isDone && setNotice('Invite link created.'))
  }
  const copy = async (invite: CreatedInviteBody) => {
    try {
      await navigator.clipboard.writeText(invite.url)
      setNotice('Link copied.')
    } catch {
      // Clipboard access refused (permissions, an insecure origin): select the field so Ctrl+C works.
      document.querySelector<HTMLInputElement>('#new-invite')?.select()
      setNotice('Press Ctrl+C (or ⌘C) to copy the selected link.')
    }
  }
  const list = invites.value
  const created = createdInvite.value
  return (
    <section class="settings-section" aria-labelledby="settings-invites">
      <h3 id="settings-invites">Invite links</h3>
      <p class="hint">Anyone with a link can join until it expires, runs out of uses or is revoked.</p>
      <form class="invite-form" onSubmit={create}>
        <label>
          Expires after
          <select name="expires" defaultValue="2">
            {INVITE_EXPIRY_CHOICES.map(([label], i) => (
              <option key={label} value={i}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Uses
          <select name="uses" defaultValue="0">
            {INVITE_USE_CHOICES.map(([label], i) => (
              <option key={label} value={i}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="button small" disabled={action.busy.value !== null}>
          Create invite link
        </button>
      </form>
      {created && (
        <div class="new-invite">
          <label for="new-invite">New invite link</label>
          <p class="hint">Copy it now: for safety it is not shown again.</p>
          <input id="new-invite" readOnly value={created.url} onFocus={(ev) => ev.currentTarget.select()} />
          <button type="button" class="button small" onClick={() => void copy(created)}>
            Copy link
          </button>
        </div>
      )}
      <p class="notice" role="status">
        {notice}
      </p>
      {(action.error.value ?? invitesError.value) && (
        <p class="error" role="alert">
          {action.error.value ?? invitesError.value}
        </p>
      )}
      {invitesStatus.value === 'loading' && <p class="muted">Loading invite links…</p>}
      <ul class="invite-list" aria-label={`${list.length} invite links`}>
        {list.map((invite) => (
          <li key={invite.id} class="invite">
            <p class="small">
              Created {formatFullTime(invite.created_at)}, expires {formatFullTime(invite.expires_at)} · used {invite.uses}
              {invite.max_uses === null ? ' times' : ` of ${invite.max_uses}`}
            </p>
            <button
              type="button"
              class="button small danger"
              aria-label={`Revoke the invite created ${formatFullTime(invite.created_at)}`}
              disabled={action.busy.value !== null}
              onClick={() => void action.run(invite.id, () => revokeInviteLink(chatId, invite.id)).then((isDone) => isDone && setNotice('Invite link revoked.'))}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}

function Transfer({ chatId }: { chatId: number }) {
  const action = useAction()
  const [pickedId, setPickedId] = useState<number | null>(null)
  const [isConfirming, setConfirming] = useState(false)
  const [notice, setNotice] = useState('')
  const candidates = transferCandidates(members.value, user.value?.userid)
  const picked = candidates.find((m) => m.userid === pickedId)
  const confirmButton = useFocusWhen(isConfirming)
  return (
    <section class="settings-section" aria-labelledby="settings-transfer">
      <h3 id="settings-transfer">Transfer ownership</h3>
      <p class="hint">The new owner gets every right you have; you become an admin.</p>
      {action.error.value && (
        <p class="error" role="alert">
          {action.error.value}
        </p>
      )}
      <label for="transfer-to">New owner</label>
      <select id="transfer-to" value={pickedId ?? ''} onChange={(ev) => (setPickedId(Number(ev.currentTarget.value) || null), setConfirming(false))}>
        <option value="">Choose a member</option>
        {candidates.map((m) => (
          <option key={m.userid} value={m.userid}>
            {m.username}
          </option>
        ))}
      </select>{' '}
      {isConfirming && picked ? (
        <span role="group" aria-label="Confirm the transfer">
          <span>
            Make <UserText text={picked.username} /> the owner?
          </span>{' '}
          <button
            type="button"
            class="button small danger"
            ref={confirmButton}
            onClick={() => void action.run(true, () => transferGroup(chatId, picked.userid)).then((isDone) => isDone && (setConfirming(false), setNotice('Ownership transferred.')))}
          >
            Yes, transfer
          </button>{' '}
          <button type="button" class="button small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" class="button small" disabled={!picked} onClick={() => setConfirming(true)}>
          Transfer
        </button>
      )}
      <p class="notice" role="status">
        {notice}
      </p>
    </section>
  )
}

function DeleteGroup({ chat, onDeleted }: { chat: ChatListItem; onDeleted: () => void }) {
  const action = useAction({ staysBusyOnSuccess: true })
  const [isConfirming, setConfirming] = useState(false)
  const confirmButton = useFocusWhen(isConfirming)
  return (
    <section class="settings-section danger-zone" aria-labelledby="settings-delete">
      <h3 id="settings-delete">Delete group</h3>
      <p class="hint">Everyone loses the group and all its messages. This cannot be undone.</p>
      {action.error.value && (
        <p class="error" role="alert">
          {action.error.value}
        </p>
      )}
      {isConfirming ? (
        <div role="group" aria-label="Confirm deleting the group">
          <p>
            Delete <UserText text={chat.name} /> for everyone?
          </p>
          <button type="button" class="button small danger" ref={confirmButton} disabled={action.busy.value !== null} onClick={() => void action.run(true, () => deleteGroup(chat.chat_id)).then((isDone) => isDone && onDeleted())}>
            Yes, delete group
          </button>{' '}
          <button type="button" class="button small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" class="button small danger" onClick={() => setConfirming(true)}>
          Delete group…
        </button>
      )}
    </section>
  )
}

/** A confirmation's "Yes" button takes focus when it appears, so keyboard users answer it at once. */
function useFocusWhen(isShown: boolean) {
  const button = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (isShown) button.current?.focus()
  }, [isShown])
  return button
}
