import { dayKey } from '../utils/time'
import type { ViewMessage } from './messages'

/** Messages of one sender this close together form a run: one name and avatar on top, one time under it. */
export const RUN_GAP_MS = 5 * 60_000

/** What the message list draws, in order: a separator before each day, then that day's messages. */
export type TimelineRow =
  | { type: 'day'; key: string; iso: string }
  | {
      type: 'message'
      key: string
      message: ViewMessage
      /** First of its run: the sender's name and avatar go above it (in groups, others' messages). */
      isRunStart: boolean
      /** Last of its run: its time goes under it, standing for the whole run. */
      isRunEnd: boolean
    }

function continuesRun(prev: ViewMessage | undefined, next: ViewMessage): boolean {
  if (!prev || prev.kind !== 'message' || next.kind !== 'message' || prev.senderId !== next.senderId) return false
  if (dayKey(prev.createdAt) !== dayKey(next.createdAt)) return false
  const gapMs = Date.parse(next.createdAt) - Date.parse(prev.createdAt)
  return gapMs >= 0 && gapMs < RUN_GAP_MS
}

/**
 * Lays out `list` (in seq order, as messages.ts keeps it): a day separator whenever the viewer's
 * local day changes, and runs of messages. A run is consecutive messages of one sender on one day,
 * each under RUN_GAP_MS after the one before; a system message stands alone and ends a run.
 */
export function buildTimeline(list: readonly ViewMessage[]): TimelineRow[] {
  const rows: TimelineRow[] = []
  let day = ''
  list.forEach((message, i) => {
    const prev = list[i - 1]
    const next = list[i + 1]
    const messageDay = dayKey(message.createdAt)
    if (messageDay !== day) {
      day = messageDay
      rows.push({ type: 'day', key: `d${messageDay}`, iso: message.createdAt })
    }
    rows.push({
      type: 'message',
      key: message.key,
      message,
      isRunStart: !continuesRun(prev, message),
      isRunEnd: !next || !continuesRun(message, next),
    })
  })
  return rows
}
