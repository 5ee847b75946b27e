import { useEffect, useRef, useState } from 'preact/hooks'
import { closeMembers, loadMembers, members, membersError, membersStatus, myMembership } from '../state/members'
import { canAddPeople } from '../state/roles'
import { AddPeopleDialog } from './add-people-dialog'
import { MemberRow } from './member-row'
import { useMembersPanel } from './members-panel'
import { UserText } from './user-text'

/**
 * The group's members with their roles, and what the signed-in user may do to each. A native modal
 * <dialog> like AddPeopleDialog: focus is trapped, Escape closes it and focus returns to the opener.
 */
export function MembersDialog({ chatId, chatName, onClose, onLeft }: { chatId: number; chatName: string; onClose: () => void; onLeft: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  const [isAdding, setAdding] = useState(false)
  const panel = useMembersPanel({ chatId, chatName, onLeft, heading })

  useEffect(() => {
    dialog.current?.showModal()
    void loadMembers(chatId)
    return closeMembers
  }, [chatId])

  const me = myMembership.value
  const listError = panel.action.error.value ?? membersError.value
  const isLoading = membersStatus.value === 'loading'
  return (
    <dialog ref={dialog} class="dialog card members-dialog" aria-labelledby="members-title" onClose={onClose}>
      <div class="dialog-head">
        <h2 id="members-title" ref={heading} tabIndex={-1}>
          Members of <UserText text={chatName} />
        </h2>
        <button type="button" class="icon-button" onClick={() => dialog.current?.close()} aria-label="Close">
          ✕
        </button>
      </div>
      {canAddPeople(me?.role) && (
        <p>
          <button type="button" class="button small" onClick={() => setAdding(true)}>
            Add people
          </button>
        </p>
      )}
      <p class="notice" role="status">
        {panel.notice}
      </p>
      {listError && (
        <p class="error" role="alert">
          {listError}
        </p>
      )}
      {isLoading && <p class="muted">Loading members…</p>}
      <ul class="member-list" aria-label={`${members.value.length} members`} aria-busy={isLoading}>
        {members.value.map((member) => (
          <MemberRow key={member.userid} member={member} isMe={member.userid === me?.userid} myRole={me?.role} chatName={chatName} panel={panel} />
        ))}
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
