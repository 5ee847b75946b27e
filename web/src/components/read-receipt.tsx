import { useEffect, useState } from 'preact/hooks'
import { memberNames, messages, requestMemberNames } from '../state/room'
import { readerNames, type Receipt } from '../state/receipts'

/**
 * "Seen" under the newest own message the other person has read (1:1), or a "Seen by N" button
 * in a group that discloses the readers' names: hover shows them as a tooltip, a click, tap or
 * Enter toggles the list (aria-expanded), so keyboards and screen readers reach them too.
 */
export function ReadReceipt({ receipt, isGroup, messageKey }: { receipt: Receipt; isGroup: boolean; messageKey: string }) {
  const [isOpen, setOpen] = useState(false)
  useEffect(() => {
    if (isGroup) requestMemberNames(receipt.readerIds)
  }, [isGroup, receipt.readerIds.join()])
  if (!isGroup) return <span class="receipt">Seen</span>
  const { names, unknown } = readerNames(receipt.readerIds, memberNames.value, messages.value)
  const all = unknown > 0 ? [...names, unknown === 1 ? '1 more' : `${unknown} more`] : names
  const listId = `seen-by-${messageKey}`
  return (
    <span class="receipt">
      <button type="button" class="link-button" aria-expanded={isOpen} aria-controls={listId} title={all.join(', ')} onClick={() => setOpen(!isOpen)}>
        Seen by {receipt.readerIds.length}
      </button>
      <ul id={listId} class="seen-by" hidden={!isOpen} aria-label="Seen by">
        {all.map((name) => (
          <li key={name}>{name}</li>
        ))}
      </ul>
    </span>
  )
}
