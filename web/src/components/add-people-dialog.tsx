import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { addPersonToGroup } from '../state/chats'
import { PersonSearch } from './person-search'
import { UserText } from './user-text'

/** A native modal <dialog>: focus is trapped, Escape closes it and focus returns to the opener. */
export function AddPeopleDialog({ chatId, chatName, onClose }: { chatId: number; chatName: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const [notice, setNotice] = useState<ComponentChildren>(null)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  return (
    <dialog ref={dialog} class="dialog card" aria-labelledby="add-people-title" onClose={onClose}>
      <div class="dialog-head">
        <h2 id="add-people-title">
          Add people to <UserText text={chatName} />
        </h2>
        <button type="button" class="icon-button" onClick={() => dialog.current?.close()} aria-label="Close">
          ✕
        </button>
      </div>
      <p class="notice" role="status">
        {notice}
      </p>
      <PersonSearch
        inputId="add-people-search"
        actionLabel="Add"
        onPick={async (person) => {
          const isAdded = await addPersonToGroup(chatId, person.userid)
          const name = <UserText text={person.username} />
          setNotice(isAdded ? <>{name} was added.</> : <>{name} is already a member.</>)
        }}
      />
    </dialog>
  )
}
