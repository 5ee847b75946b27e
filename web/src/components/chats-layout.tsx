import type { ComponentChildren } from 'preact'
import { useEffect } from 'preact/hooks'
import { loadChats } from '../state/chats'
import { ChatList } from './chat-list'

const LIST_REFRESH_MS = 20_000

/** The chat list beside the page on wide screens; on phones only the home page shows the list. */
export function ChatsLayout({ activeChatId, children, isListPage }: { activeChatId?: number; children?: ComponentChildren; isListPage?: boolean }) {
  useEffect(() => {
    void loadChats()
    // Other chats have no socket open here; keep their previews and badges fresh while visible.
    const timer = setInterval(() => document.visibilityState === 'visible' && void loadChats(), LIST_REFRESH_MS)
    const onFocus = () => void loadChats()
    window.addEventListener('focus', onFocus)
    return () => {
      clearInterval(timer)
      window.removeEventListener('focus', onFocus)
    }
  }, [])
  return (
    <div class={`chats-layout${isListPage ? ' is-list' : ' is-detail'}`}>
      <aside class="sidebar" aria-labelledby="chats-heading">
        <div class="sidebar-head">
          <h2 id="chats-heading">Chats</h2>
          <a class="button small" href="/new">
            New
          </a>
        </div>
        <ChatList activeChatId={activeChatId} />
      </aside>
      <main id="main" class="detail">
        {children}
      </main>
    </div>
  )
}
