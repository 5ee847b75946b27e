import { useEffect, useLayoutEffect, useMemo, useRef } from 'preact/hooks'
import { now } from '../state/clock'
import { findReceipt } from '../state/receipts'
import { hasOlder, highlightSeq, loadOlder, memberNames, messages, olderStatus, reads, requestMemberNames } from '../state/room'
import { user } from '../state/session'
import { readReceipts } from '../state/settings'
import { buildTimeline } from '../state/timeline'
import { formatDay } from '../utils/time'
import { MessageItem } from './message-item'
import { ReadReceipt } from './read-receipt'
import { SystemMessage } from './system-message'

const NEAR_EDGE_PX = 120

/** The room's messages: day separators, runs (state/timeline.ts), system messages, receipts; keeps the view steady and shows a jumped-to message. */
export function MessageList({ isGroup, canModerate }: { isGroup: boolean; canModerate: boolean }) {
  const scroller = useRef<HTMLDivElement>(null)
  const anchor = useRef<{ firstKey?: string; height: number; wasAtBottom: boolean }>({ height: 0, wasAtBottom: true })
  const list = messages.value
  const me = user.value?.userid
  // With receipts off the server sends none; hiding them too covers positions from before the switch.
  const receipt = me !== undefined && readReceipts.value ? findReceipt(list, reads.value, me) : null
  const rows = useMemo(() => buildTimeline(list), [list])
  // Who reacted: names from the members list (groups), then from the messages shown.
  const names = useMemo(() => {
    const map = new Map(memberNames.value)
    for (const m of list) if (m.kind === 'message' && !map.has(m.senderId)) map.set(m.senderId, m.sender)
    return map
  }, [list, memberNames.value])
  const nameOf = (id: number) => names.get(id) ?? 'someone'
  useEffect(() => {
    const unknown = new Set<number>()
    for (const m of list) for (const r of m.reactions) for (const id of r.user_ids) if (!names.has(id)) unknown.add(id)
    if (isGroup && unknown.size > 0) requestMemberNames([...unknown])
  }, [names, isGroup])

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

  // A quoted reply's original, once it is loaded: scroll it into view and give it focus, so
  // keyboard and screen reader users land on it too.
  const highlighted = highlightSeq.value
  useLayoutEffect(() => {
    if (highlighted === null) return
    const el = scroller.current?.querySelector<HTMLElement>(`[data-seq="${highlighted}"]`)
    el?.scrollIntoView({ block: 'center' })
    el?.focus({ preventScroll: true })
  }, [highlighted])

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
        {rows.map((row) =>
          row.type === 'day' ? (
            <li key={row.key} class="day-separator">
              <span>{formatDay(row.iso, now.value)}</span>
            </li>
          ) : row.message.kind === 'system' ? (
            <SystemMessage key={row.key} message={row.message} myId={me} />
          ) : (
            <MessageItem
              key={row.key}
              message={row.message}
              isOwn={row.message.senderId === me}
              showSender={isGroup && row.isRunStart}
              showTime={row.isRunEnd}
              canModerate={isGroup && canModerate}
              isHighlighted={highlighted === row.message.seq}
              myId={me}
              nameOf={nameOf}
              receipt={receipt && receipt.seq === row.message.seq ? <ReadReceipt receipt={receipt} isGroup={isGroup} messageKey={row.key} /> : undefined}
            />
          ),
        )}
      </ol>
    </div>
  )
}
