import type { ViewMessage } from '../state/messages'
import { describeEvent } from '../state/system-events'
import { TimeLabel } from './time-label'
import { UserText } from './user-text'

/** A group event (joined, renamed, ...), centered and muted between the messages; names isolated. */
export function SystemMessage({ message, myId }: { message: ViewMessage; myId: number | undefined }) {
  if (!message.event) return null
  return (
    <li class="system-message" data-seq={message.seq ?? undefined} tabIndex={-1}>
      <p>
        {describeEvent(message.event, myId).map((part, i) =>
          typeof part === 'string' ? part : part.label ? <em key={i} class="deleted-user">{part.name}</em> : <UserText key={i} text={part.name} />,
        )}
        <span class="visually-hidden">, </span>
        <TimeLabel class="system-time" iso={message.createdAt} clock />
      </p>
    </li>
  )
}
