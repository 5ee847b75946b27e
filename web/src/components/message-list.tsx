import { useLayoutEffect, useRef } from 'preact/hooks'
import { findReceipt } from '../state/receipts'
import { hasOlder, loadOlder, messages, olderStatus, reads } from '../state/room'
import { user } from '../state/session'
import { readReceipts } from '../state/settings'
import { MessageItem } from './message-item'
import { ReadReceipt } from './read-receipt'

const NEAR_EDGE_PX = 120

export function MessageList({ isGroup }: { isGroup: boolean }) {
  const scroller = useRef<HTMLDivElement>(null)
  const anchor = useRef<{ firstKey?: string; height: number; wasAtBottom: boolean }>({ height: 0, wasAtBottom: true })
  const list = messages.value
  const me = user.value?.userid
  // With receipts off the server sends none; hiding them too covers positions from before the switch.
  const receipt = me !== undefined && readReceipts.value ? findReceipt(list, reads.value, me) : null

  // Keep the view steady: stick to the bottom for new messages, keep position when older ones load above.
  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    const prev = anchor.current
    const firstKey = list[0]?.key
    const lastIsOwn = list[list.length - 1]?.senderId === me
    if (prev.firstKey && firstKey !== prev.firstKey && prev.height) el.scrollTop += el.scrollHeight - prev.height
    else if (prev.wasAtBottom || lastIsOwn) el.scrollTop = el.scrollHeight
    anchor.current = { firstKey, height: el.scrollHeight, wasAtBottom: true }
  }, [list])

  const onScroll = () => {
    const el = scroller.current
    if (!el) return
    anchor.current.wasAtBottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_EDGE_PX
    anchor.current.height = el.scrollHeight
    if (el.scrollTop < NEAR_EDGE_PX) void loadOlder()
  }

  return (
    <div class="messages" ref={scroller} onScroll={onScroll} tabIndex={0} role="log" aria-label="Messages" aria-live="polite" aria-relevant="additions">
      {hasOlder.value && (
        <p class="older">
          <button type="button" class="link-button" onClick={() => void loadOlder()} disabled={olderStatus.value === 'loading'}>
            {olderStatus.value === 'loading' ? 'Loading older messages…' : olderStatus.value === 'error' ? "Couldn't load older messages. Try again" : 'Load older messages'}
          </button>
        </p>
      )}
      {list.length === 0 && <p class="muted center pad">No messages yet. Say hello!</p>}
      <ol class="message-list">
        {list.map((m, i) => (
          <MessageItem
            key={m.key}
            message={m}
            isOwn={m.senderId === me}
            showSender={isGroup && list[i - 1]?.senderId !== m.senderId}
            receipt={receipt && receipt.seq === m.seq ? <ReadReceipt receipt={receipt} isGroup={isGroup} messageKey={m.key} /> : undefined}
          />
        ))}
      </ol>
    </div>
  )
}
