import { useEffect, useRef, useState } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { ChatsLayout } from '../components/chats-layout'
import { initial } from '../components/chat-list'
import { Composer } from '../components/composer'
import { ConnectionBanner } from '../components/connection-banner'
import { ApiError, describeError } from '../api/errors'
import { MessageList } from '../components/message-list'
import { UserText } from '../components/user-text'
import { PresenceText } from '../components/presence'
import { chats } from '../state/chats'
import { pageTitle } from '../state/live'
import { closeRoom, connection, historyStatus, openRoom, roomError, typingName } from '../state/room'
import { isolate } from '../utils/bidi'

// The members panel is a rare action: it (and the add-people dialog inside it) loads on first use.
type MembersDialogComponent = typeof import('../components/members-dialog').MembersDialog
let membersDialogModule: Promise<MembersDialogComponent> | undefined
const importMembersDialog = () => (membersDialogModule ??= import('../components/members-dialog').then((m) => m.MembersDialog))
// So is the settings panel, for owners and admins only.
type SettingsDialogComponent = typeof import('../components/group-settings-dialog').GroupSettingsDialog
let settingsDialogModule: Promise<SettingsDialogComponent> | undefined
const importSettingsDialog = () => (settingsDialogModule ??= import('../components/group-settings-dialog').then((m) => m.GroupSettingsDialog))

export function ChatRoute({ chatId: rawId }: { chatId: string }) {
  const chatId = Number(rawId)
  const isValid = Number.isSafeInteger(chatId) && chatId > 0
  const [isShowingMembers, setShowingMembers] = useState(false)
  const [MembersDialog, setMembersDialog] = useState<MembersDialogComponent | null>(null)
  const [membersLoadError, setMembersLoadError] = useState<string | null>(null)
  const [SettingsDialog, setSettingsDialog] = useState<SettingsDialogComponent | null>(null)
  const [isShowingSettings, setShowingSettings] = useState(false)
  const { route } = useLocation()
  useEffect(() => {
    setShowingMembers(false)
    setShowingSettings(false)
    if (!isValid) return
    void openRoom(chatId)
    return closeRoom
  }, [chatId])

  const found = chats.value.find((c) => c.chat_id === chatId)
  // Removed from a group, the chat leaves the list; keep showing its name and kind above the notice.
  const lastSeen = useRef(found)
  if (found) lastSeen.current = found
  const chat = found ?? (lastSeen.current?.chat_id === chatId ? lastSeen.current : undefined)
  const title = chat?.name ?? 'Chat'
  useEffect(() => {
    pageTitle.value = isolate(title)
    return () => (pageTitle.value = null)
  }, [title])

  const error = isValid ? roomError.value : "That chat address isn't valid."
  const canSeeMembers = found?.is_group && !error
  const canManage = canSeeMembers && (found.role === 'owner' || found.role === 'admin')
  const openMembers = async () => {
    try {
      const component = await importMembersDialog()
      setMembersDialog(() => component)
      setMembersLoadError(null)
      setShowingMembers(true)
    } catch {
      membersDialogModule = undefined
      setMembersLoadError(describeError(new ApiError('network', '')))
    }
  }
  const openSettings = async () => {
    try {
      const component = await importSettingsDialog()
      setSettingsDialog(() => component)
      setMembersLoadError(null)
      setShowingSettings(true)
    } catch {
      settingsDialogModule = undefined
      setMembersLoadError(describeError(new ApiError('network', '')))
    }
  }
  return (
    <ChatsLayout activeChatId={chatId}>
      <section class="room" aria-labelledby="room-title">
        <header class="room-head">
          <a class="back-link" href="/" aria-label="Back to chats">
            ←
          </a>
          <span class="avatar" aria-hidden="true">
            {initial(title)}
          </span>
          <div class="room-title">
            <h1 id="room-title">{chat ? <UserText text={chat.name} /> : title}</h1>
            <p class="muted small" aria-live="polite">
              {typingName.value ? (
                <>
                  <UserText text={typingName.value} /> is typing…
                </>
              ) : chat?.is_group ? (
                chat.visibility === 'private' ? 'Private group' : 'Public group'
              ) : chat?.peer ? (
                <PresenceText userId={chat.peer.userid} row={chat.peer} fallback="Direct message" />
              ) : chat ? (
                'Direct message'
              ) : (
                ''
              )}
            </p>
          </div>
          {canSeeMembers && (
            <button type="button" class="button small" aria-haspopup="dialog" onClick={openMembers}>
              Members
            </button>
          )}
          {canManage && (
            <button type="button" class="button small" aria-haspopup="dialog" onClick={openSettings}>
              Settings
            </button>
          )}
        </header>
        {error ? (
          <div class="pad">
            <p class="error" role="alert">
              {error}
            </p>
            <p>
              <a href="/">Back to your chats</a>
            </p>
          </div>
        ) : historyStatus.value === 'loading' ? (
          <p class="muted pad">Loading messages…</p>
        ) : (
          <>
            {membersLoadError && (
              <p class="error" role="alert">
                {membersLoadError}
              </p>
            )}
            <ConnectionBanner />
            <MessageList isGroup={chat?.is_group ?? false} canModerate={chat?.role === 'owner' || chat?.role === 'admin'} />
            <Composer isDisabled={connection.value === 'closed'} />
          </>
        )}
      </section>
      {isShowingMembers && canSeeMembers && MembersDialog && (
        <MembersDialog chatId={chatId} chatName={title} onClose={() => setShowingMembers(false)} onLeft={() => route('/')} />
      )}
      {isShowingSettings && canManage && SettingsDialog && <SettingsDialog chat={found} onClose={() => setShowingSettings(false)} onDeleted={() => route('/')} />}
    </ChatsLayout>
  )
}
