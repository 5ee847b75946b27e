import { isBlank, type ChatListItem } from '../../../protocol'
import { chats, chatsError, chatsStatus } from '../state/chats'
import { user } from '../state/session'
import { PresenceDot } from './presence'
import { TimeLabel } from './time-label'
import { UserText } from './user-text'

export function ChatList({ activeChatId }: { activeChatId?: number }) {
  const list = chats.value
  if (chatsStatus.value === 'loading' && list.length === 0) return <p class="muted pad">Loading your chats…</p>
  if (chatsStatus.value === 'error' && list.length === 0) {
    return (
      <p class="error pad" role="alert">
        {chatsError.value}
      </p>
    )
  }
  if (list.length === 0) {
    return (
      <div class="empty pad">
        <p>No chats yet.</p>
        <p>
          <a href="/new">Start a chat</a> or <a href="/explore">explore groups</a>.
        </p>
      </div>
    )
  }
  return (
    <ul class="chat-list" aria-label="Your chats">
      {list.map((chat) => (
        <ChatRow key={chat.chat_id} chat={chat} isActive={chat.chat_id === activeChatId} />
      ))}
    </ul>
  )
}

function ChatRow({ chat, isActive }: { chat: ChatListItem; isActive: boolean }) {
  const last = chat.last_message
  const sender = last?.sender_deleted ? <em class="deleted-user">{last.sender}</em> : last && <UserText text={last.sender} />
  const who = last ? (last.sender_id === user.value?.userid ? 'You' : chat.is_group ? sender : null) : null
  const preview = last ? (last.message === null ? 'Message unavailable' : <UserText text={last.message} />) : chat.is_group ? 'No messages yet' : 'Say hello'
  const unread = chat.unread_count
  return (
    <li>
      <a class={`chat-row${isActive ? ' active' : ''}`} href={`/c/${chat.chat_id}`} aria-current={isActive ? 'page' : undefined}>
        <span class="avatar" aria-hidden="true">
          {initial(chat.name)}
        </span>
        <span class="chat-row-body">
          <span class="chat-row-top">
            <span class="chat-title">
              <UserText class="chat-name" text={chat.name} />
              {chat.is_group && <span class="tag">{chat.visibility === 'private' ? 'private' : 'group'}</span>}
            </span>
            <TimeLabel class="chat-time" iso={chat.last_activity_at} />
          </span>
          <span class="chat-row-bottom">
            <span class="chat-preview">
              {who && <span class="preview-sender">{who}: </span>}
              {preview}
            </span>
            {unread > 0 && (
              <span class="badge">
                <span aria-hidden="true">{unread > 99 ? '99+' : unread}</span>
                <span class="visually-hidden">{unread} unread</span>
              </span>
            )}
          </span>
        </span>
        {/* After the body, so the link's name starts with the chat's; CSS puts the dot on the avatar. */}
        {chat.peer && <PresenceDot userId={chat.peer.userid} row={chat.peer} />}
      </a>
    </li>
  )
}

/** The avatar's letter: the first code point that shows (never half an emoji, never a bidi control). */
export function initial(name: string): string {
  for (const char of name) if (!isBlank(char) && !FORMAT.test(char)) return char.toUpperCase()
  return '?'
}

// Besides what the text rule counts as blank (protocol/text.ts), format characters (Cf: bidi controls).
const FORMAT = /\p{Cf}/u
