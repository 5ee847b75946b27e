import { useEffect, useRef, useState } from 'preact/hooks'
import type { MemberBody } from '../../../protocol'
import { describeError } from '../api/errors'
import { changeRole, closeMembers, leaveGroup, loadMembers, members, membersError, membersStatus, myMembership, removeFromGroup } from '../state/members'
import { ROLE_LABEL, canAddPeople, canChangeRole, canLeave, canRemove } from '../state/roles'
import { AddPeopleDialog } from './add-people-dialog'
import { initial } from './chat-list'

/**
 * The group's members with their roles, and what the signed-in user may do to each. A native modal
 * <dialog> like AddPeopleDialog: focus is trapped, Escape closes it and focus returns to the opener.
 * Remove and Leave ask once more in place before acting.
 */
export function MembersDialog({ chatId, chatName, onClose, onLeft }: { chatId: number; chatName: string; onClose: () => void; onLeft: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  const confirmButton = useRef<HTMLButtonElement>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busyId, setBusyId] = useState<number | null>(null)
  const [confirmingId, setConfirmingId] = useState<number | null>(null)
  const [isAdding, setAdding] = useState(false)
  const returnFocusTo = useRef<string | null>(null)

  useEffect(() => {
    dialog.current?.showModal()
    void loadMembers(chatId)
    return closeMembers
  }, [chatId])

  // Keyboard focus follows the in-place confirmation: onto its button, and back to the trigger after Cancel.
  useEffect(() => {
    if (confirmingId !== null) confirmButton.current?.focus()
    else if (returnFocusTo.current) document.getElementById(returnFocusTo.current)?.focus()
    returnFocusTo.current = null
  }, [confirmingId])

  const me = myMembership.value
  const myRole = me?.role

  const act = async (member: MemberBody, action: () => Promise<void>, done: string, isRowGone = false) => {
    setBusyId(member.userid)
    setError(null)
    setNotice(null)
    try {
      await action()
      setNotice(done)
      setConfirmingId(null)
      // The row and its buttons are gone: keep focus inside the dialog, on its heading.
      if (isRowGone) heading.current?.focus()
    } catch (err) {
      setError(describeError(err))
    } finally {
      setBusyId(null)
    }
  }

  const askToConfirm = (member: MemberBody, triggerId: string) => {
    setError(null)
    setConfirmingId(member.userid)
    returnFocusTo.current = triggerId
  }
  const cancelConfirm = () => setConfirmingId(null)
  const listError = error ?? membersError.value

  return (
    <dialog ref={dialog} class="dialog card members-dialog" aria-labelledby="members-title" onClose={onClose}>
      <div class="dialog-head">
        <h2 id="members-title" ref={heading} tabIndex={-1}>
          Members of {chatName}
        </h2>
        <button type="button" class="icon-button" onClick={() => dialog.current?.close()} aria-label="Close">
          ✕
        </button>
      </div>
      {canAddPeople(myRole) && (
        <p>
          <button type="button" class="button small" onClick={() => setAdding(true)}>
            Add people
          </button>
        </p>
      )}
      <p class="notice" role="status">
        {notice}
      </p>
      {listError && (
        <p class="error" role="alert">
          {listError}
        </p>
      )}
      {membersStatus.value === 'loading' && <p class="muted">Loading members…</p>}
      <ul class="member-list" aria-label={`${members.value.length} members`} aria-busy={membersStatus.value === 'loading'}>
        {members.value.map((member) => {
          const isMe = member.userid === me?.userid
          const isBusy = busyId === member.userid
          const isConfirming = confirmingId === member.userid
          const name = member.username
          return (
            <li key={member.userid} class="member">
              <span class="avatar" aria-hidden="true">
                {initial(name)}
              </span>
              <span class="member-name">
                {name}
                {isMe && <span class="muted"> (you)</span>}
                <span class={`role-badge is-${member.role}`}>{ROLE_LABEL[member.role]}</span>
              </span>
              <span class="member-actions">
                {isConfirming ? (
                  <>
                    <span class="small">{isMe ? `Leave ${chatName}?` : `Remove ${name}?`}</span>
                    <button
                      type="button"
                      ref={confirmButton}
                      class="button small danger"
                      disabled={isBusy}
                      onClick={() =>
                        isMe
                          ? act(member, async () => (await leaveGroup(chatId), onLeft()), `You left ${chatName}.`)
                          : act(member, () => removeFromGroup(chatId, member.userid), `${name} was removed.`, true)
                      }
                    >
                      {isBusy ? 'Working…' : isMe ? 'Yes, leave' : 'Yes, remove'}
                    </button>
                    <button type="button" class="button small subtle" disabled={isBusy} onClick={cancelConfirm}>
                      Cancel
                    </button>
                  </>
                ) : (
                  <>
                    {!isMe && canChangeRole(myRole, member.role) && (
                      <button
                        type="button"
                        class="button small"
                        disabled={busyId !== null}
                        onClick={() =>
                          member.role === 'admin'
                            ? act(member, () => changeRole(chatId, member.userid, 'member'), `${name} is no longer an admin.`)
                            : act(member, () => changeRole(chatId, member.userid, 'admin'), `${name} is now an admin.`)
                        }
                      >
                        {member.role === 'admin' ? 'Remove admin' : 'Make admin'}
                        <span class="visually-hidden"> {name}</span>
                      </button>
                    )}
                    {!isMe && canRemove(myRole, member.role) && (
                      <button
                        type="button"
                        id={`member-remove-${member.userid}`}
                        class="button small danger"
                        disabled={busyId !== null}
                        onClick={() => askToConfirm(member, `member-remove-${member.userid}`)}
                      >
                        Remove<span class="visually-hidden"> {name}</span>
                      </button>
                    )}
                    {isMe && canLeave(myRole) && (
                      <button type="button" id="member-leave" class="button small danger" disabled={busyId !== null} onClick={() => askToConfirm(member, 'member-leave')}>
                        Leave group
                      </button>
                    )}
                  </>
                )}
              </span>
            </li>
          )
        })}
      </ul>
      {isAdding && (
        <AddPeopleDialog
          chatId={chatId}
          chatName={chatName}
          onClose={() => {
            setAdding(false)
            void loadMembers(chatId)
          }}
        />
      )}
    </dialog>
  )
}
