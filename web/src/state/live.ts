import { effect, signal } from '@preact/signals'
import type { ChannelServerFrame } from '../../../protocol'
import type { ConnectionStatus } from '../api/live-socket'
import { connectUserChannel } from '../api/user-channel'
import { documentTitle, totalUnread } from './chat-list'
import { applyChatRow, chats, dropChat, loadChats } from './chats'
import { clearPresence, notePresence } from './presence'
import { readingChatId, showRemoved } from './room'
import { user } from './session'
import { loadSettings } from './settings'

/** The live channel's state; 'closed' while signed out. */
export const channelStatus = signal<ConnectionStatus>('closed')
/** The open page's own title part (a chat's name), shown after the unread count. */
export const pageTitle = signal<string | null>(null)

/** Applies one frame of the user's channel to the list, the open room and presence. */
export function handleChannelFrame(frame: ChannelServerFrame): void {
  switch (frame.type) {
    case 'ready':
      // A fresh picture: presence reports follow, and the list is reloaded for what was missed.
      clearPresence()
      void loadChats()
      return
    case 'chat':
      return applyChatRow(frame.chat, readingChatId())
    case 'chat_removed':
      dropChat(frame.chat_id)
      return showRemoved(frame.chat_id)
    case 'presence':
      return notePresence(frame.user_id, frame)
    default:
      return
  }
}

let stopChannel: (() => void) | null = null

// One channel per signed-in tab: opened at sign-in (the list loads at once, and again on `ready`),
// closed at sign-out, which sends a close frame so the others see this user go offline at once.
effect(() => {
  const isSignedIn = user.value !== null
  if (isSignedIn && !stopChannel) {
    void loadChats()
    loadSettings().catch(() => {})
    stopChannel = connectUserChannel({ onFrame: handleChannelFrame, onStatus: (status) => (channelStatus.value = status) })
  } else if (!isSignedIn && stopChannel) {
    stopChannel()
    stopChannel = null
    channelStatus.value = 'closed'
    clearPresence()
  }
})

effect(() => {
  document.title = documentTitle(totalUnread(chats.value), pageTitle.value)
})
