import type { ComponentChildren } from 'preact'
import { useRef } from 'preact/hooks'
import { retryMessage, roomChatId } from '../state/room'
import type { ViewMessage } from '../state/messages'
import { AttachmentList } from './attachments/attachment-list'
import { initial } from './chat-list'
import { MessageActions } from './message-actions'
import { MessageBubble } from './message-bubble'
import { Reactions } from './reactions'
import { ReplyQuote } from './reply-quote'
import { TimeLabel } from './time-label'
import { UserText } from './user-text'

const LONG_PRESS_MS = 500

export interface MessageItemProps {
  message: ViewMessage
  isOwn: boolean
  /** First of a run in a group: the sender's name and initial avatar go above it. */
  showSender: boolean
  /** Last of a run: its time stands for the run. */
  showTime: boolean
  /** The signed-in user is the group's owner or an admin: may delete anyone's message. */
  canModerate: boolean
  isHighlighted: boolean
  myId: number | undefined
  nameOf: (userId: number) => string
  /** "Seen" / "Seen by N" when it is the newest own message read. */
  receipt?: ComponentChildren
}

/** One message: its bubble (message-bubble.tsx), reactions, time and delivery, and its actions menu. */
export function MessageItem({ message, isOwn, showSender, showTime, canModerate, isHighlighted, myId, nameOf, receipt }: MessageItemProps) {
  const openMenu = useRef<(() => void) | null>(null)
  const pressTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const isStored = message.seq !== null && message.status === 'sent'
  const hasActions = isStored && !message.isDeleted
  const classes = `message${isOwn ? ' own' : ''} is-${message.status}${isHighlighted ? ' is-highlighted' : ''}`
  // A long press on a touch screen opens the actions menu, as in the chat apps people know.
  const onPointerDown = (ev: PointerEvent) => {
    if (ev.pointerType !== 'touch' || !hasActions) return
    pressTimer.current = setTimeout(() => openMenu.current?.(), LONG_PRESS_MS)
  }
  const cancelPress = () => clearTimeout(pressTimer.current)
  return (
    <li class={classes} data-seq={message.seq ?? undefined} data-run-start={showSender || undefined} tabIndex={-1} onPointerDown={onPointerDown} onPointerUp={cancelPress} onPointerMove={cancelPress} onPointerCancel={cancelPress}>
      {showSender && !isOwn && (
        <span class="sender-line">
          <span class="avatar tiny" aria-hidden="true">
            {initial(message.sender)}
          </span>
          {message.senderDeleted ? <em class="sender deleted-user">{message.sender}</em> : <UserText class="sender" text={message.sender} />}
        </span>
      )}
      <div class="message-row">
        <MessageBubble
          message={message}
          quote={message.replyTo && <ReplyQuote reply={message.replyTo} />}
          attachments={message.attachments.length > 0 && roomChatId.value !== null && <AttachmentList chatId={roomChatId.value} attachments={message.attachments} />}
          footer={message.editedAt && !message.isDeleted && <span class="edited" title={`Edited ${new Date(message.editedAt).toLocaleString()}`}>edited</span>}
        />
        {hasActions && (
          <MessageActions
            message={message}
            canEdit={isOwn && message.text !== null}
            canDelete={isOwn || canModerate}
            label={`Actions for ${isOwn ? 'your message' : `${message.sender}'s message`}`}
            openRef={openMenu}
          />
        )}
      </div>
      {message.seq !== null && <Reactions seq={message.seq} reactions={message.reactions} myId={myId} nameOf={nameOf} />}
      {(showTime || message.status !== 'sent') && (
        <span class="meta">
          {isOwn && <span class="visually-hidden">You, </span>}
          <TimeLabel iso={message.createdAt} clock />
          {message.status === 'pending' && <span class="delivery"> · Sending…</span>}
          {message.status === 'failed' && (
            <span class="delivery failed">
              {' · Not sent. '}
              <button type="button" class="link-button" onClick={() => message.clientId && retryMessage(message.clientId)}>
                Retry
              </button>
            </span>
          )}
        </span>
      )}
      {receipt}
    </li>
  )
}
