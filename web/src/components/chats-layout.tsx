import type { ComponentChildren } from 'preact'
import { ChatList } from './chat-list'

/** The chat list beside the page on wide screens; on phones only the home page shows the list. */
export function ChatsLayout({ activeChatId, children, isListPage }: { activeChatId?: number; children?: ComponentChildren; isListPage?: boolean }) {
  // The list is kept by state/live.ts: loaded at sign-in and on the channel's `ready`, then updated by its frames.
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
