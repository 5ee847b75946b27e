import { Fragment, h, type ComponentChildren, type RefObject } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { MemberBody } from '../../../protocol'
import { useAction, type Action } from '../state/action'
import { changeRole, leaveGroup, removeFromGroup } from '../state/members'
import { UserText } from './user-text'

/** What the Members dialog's rows share: one action at a time, its result line, the in-place confirmation. */
export interface MembersPanel {
  /** Keyed by the member acted on; its error is shown above the list. */
  action: Action<number>
  /** The last success, announced in the dialog's `role="status"` line. */
  notice: ComponentChildren
  /** The member whose Remove (or own Leave) is waiting for "Yes" or "Cancel". */
  confirmingId: number | null
  askToConfirm(member: MemberBody, triggerId: string): void
  cancelConfirm(): void
  toggleAdmin(member: MemberBody): void
  /** Removes the member, or leaves the group when it is the signed-in user's own row. */
  confirm(member: MemberBody, isMe: boolean): void
}

interface PanelProps {
  chatId: number
  chatName: string
  onLeft: () => void
  /** Where focus goes once a removed member's row (and the focused button in it) is gone. */
  heading: RefObject<HTMLElement | null>
}

export function useMembersPanel({ chatId, chatName, onLeft, heading }: PanelProps): MembersPanel {
  const action = useAction<number>()
  const [notice, setNotice] = useState<ComponentChildren>(null)
  const [confirmingId, setConfirmingId] = useState<number | null>(null)
  const returnFocusTo = useRef<string | null>(null)

  // Keyboard users land back on the button that asked for the confirmation after Cancel.
  useEffect(() => {
    if (confirmingId !== null || !returnFocusTo.current) return
    document.getElementById(returnFocusTo.current)?.focus()
    returnFocusTo.current = null
  }, [confirmingId])

  const act = async (member: MemberBody, task: () => Promise<unknown>, done: ComponentChildren, isRowGone = false) => {
    setNotice(null)
    if (!(await action.run(member.userid, task))) return
    setNotice(done)
    returnFocusTo.current = null
    setConfirmingId(null)
    if (isRowGone) heading.current?.focus()
  }

  return {
    action,
    notice,
    confirmingId,
    askToConfirm(member, triggerId) {
      action.clearError()
      returnFocusTo.current = triggerId
      setConfirmingId(member.userid)
    },
    cancelConfirm: () => setConfirmingId(null),
    toggleAdmin(member) {
      const name = member.username
      if (member.role === 'admin') void act(member, () => changeRole(chatId, member.userid, 'member'), naming('', name, ' is no longer an admin.'))
      else void act(member, () => changeRole(chatId, member.userid, 'admin'), naming('', name, ' is now an admin.'))
    },
    confirm(member, isMe) {
      if (isMe) void act(member, async () => (await leaveGroup(chatId), onLeft()), naming('You left ', chatName, '.'))
      else void act(member, () => removeFromGroup(chatId, member.userid), naming('', member.username, ' was removed.'), true)
    },
  }
}

/** A sentence naming a person or group, the name isolated (`UserText`) from the words around it. */
function naming(before: string, name: string, after: string) {
  return h(Fragment, null, before, h(UserText, { text: name }), after)
}
