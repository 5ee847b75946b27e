import { useEffect, useRef } from 'preact/hooks'
import type { MemberBody, MemberRole } from '../../../protocol'
import { ROLE_LABEL, canChangeRole, canLeave, canRemove } from '../state/roles'
import { initial } from './chat-list'
import type { MembersPanel } from './members-panel'
import { UserText } from './user-text'
import { PresenceText } from './presence'

interface RowProps {
  member: MemberBody
  isMe: boolean
  /** The signed-in user's role; undefined until the list has loaded. */
  myRole: MemberRole | undefined
  chatName: string
  panel: MembersPanel
}

/** One member: avatar, name, role badge, and what the signed-in user may do to them (state/roles.ts). */
export function MemberRow(props: RowProps) {
  const { member, isMe } = props
  return (
    <li class="member">
      <span class="avatar" aria-hidden="true">
        {initial(member.username)}
      </span>
      <span class="member-name">
        <UserText text={member.username} />
        {isMe && <span class="muted"> (you)</span>}
        <span class={`role-badge is-${member.role}`}>{ROLE_LABEL[member.role]}</span>
        {!isMe && <PresenceText class="small" userId={member.userid} row={member} />}
      </span>
      <span class="member-actions">{props.panel.confirmingId === member.userid ? <ConfirmActions {...props} /> : <RoleActions {...props} />}</span>
    </li>
  )
}

/** Make or remove admin, Remove, or Leave on one's own row; the last two ask once more in place. */
function RoleActions({ member, isMe, myRole, panel }: RowProps) {
  const isAnyBusy = panel.action.busy.value !== null
  const name = member.username
  if (isMe) {
    return canLeave(myRole) ? (
      <button type="button" id="member-leave" class="button small danger" disabled={isAnyBusy} onClick={() => panel.askToConfirm(member, 'member-leave')}>
        Leave group
      </button>
    ) : null
  }
  const removeId = `member-remove-${member.userid}`
  return (
    <>
      {canChangeRole(myRole, member.role) && (
        <button type="button" class="button small" disabled={isAnyBusy} onClick={() => panel.toggleAdmin(member)}>
          {member.role === 'admin' ? 'Remove admin' : 'Make admin'}
          <span class="visually-hidden"> {name}</span>
        </button>
      )}
      {canRemove(myRole, member.role) && (
        <button type="button" id={removeId} class="button small danger" disabled={isAnyBusy} onClick={() => panel.askToConfirm(member, removeId)}>
          Remove<span class="visually-hidden"> {name}</span>
        </button>
      )}
    </>
  )
}

/** "Remove ann?" / "Leave Team?" with Yes and Cancel; keyboard focus moves onto Yes as it appears. */
function ConfirmActions({ member, isMe, chatName, panel }: RowProps) {
  const yes = useRef<HTMLButtonElement>(null)
  useEffect(() => yes.current?.focus(), [])
  const isBusy = panel.action.busy.value === member.userid
  return (
    <>
      <span class="small">
        {isMe ? 'Leave' : 'Remove'} <UserText text={isMe ? chatName : member.username} />?
      </span>
      <button type="button" ref={yes} class="button small danger" disabled={isBusy} onClick={() => panel.confirm(member, isMe)}>
        {isBusy ? 'Working…' : isMe ? 'Yes, leave' : 'Yes, remove'}
      </button>
      <button type="button" class="button small subtle" disabled={isBusy} onClick={panel.cancelConfirm}>
        Cancel
      </button>
    </>
  )
}
