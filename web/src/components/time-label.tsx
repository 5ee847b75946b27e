import { now } from '../state/clock'
import { formatFullTime, formatMessageTime } from '../utils/time'

export function TimeLabel({ iso, class: className }: { iso: string; class?: string }) {
  return (
    <time class={className} dateTime={iso} title={formatFullTime(iso)}>
      {formatMessageTime(iso, now.value)}
    </time>
  )
}
