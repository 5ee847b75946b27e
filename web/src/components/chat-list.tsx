import type { ChatListItem } from '../../../protocol'
import { chats, chatsError, chatsStatus } from '../state/chats'
import { user } from '../state/session'
import { PresenceDot } from './presence'
import { TimeLabel } from './time-label'

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
  const who = last ? (last.sender_id === user.value?.userid ? 'You' : chat.is_group ? last.sender : null) : null
  const preview = last ? (last.message ?? 'Message unavailable') : chat.is_group ? 'No messages yet' : 'Say hello'
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
              <span class="chat-name">{chat.name}</span>
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

export function initial(name: string): string {
  return (name.trim()[0] ?? '?').toUpperCase()
}
