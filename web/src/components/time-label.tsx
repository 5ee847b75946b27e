import { now } from '../state/clock'
import { formatClockTime, formatFullTime, formatMessageTime } from '../utils/time'

/** A time with its full date as a tooltip: relative ("5 min ago") by default, the time of day alone with `clock` (under a day separator). */
export function TimeLabel({ iso, class: className, clock }: { iso: string; class?: string; clock?: boolean }) {
  return (
    <time class={className} dateTime={iso} title={formatFullTime(iso)}>
      {clock ? formatClockTime(iso) : formatMessageTime(iso, now.value)}
    </time>
  )
}
