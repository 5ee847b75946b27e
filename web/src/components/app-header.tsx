import { useLocation } from 'preact-iso'
import { signOut, user } from '../state/session'
import { ThemeToggle } from './theme-toggle'
import { UserText } from './user-text'

const LINKS = [
  { href: '/', label: 'Chats' },
  { href: '/new', label: 'New chat' },
  { href: '/explore', label: 'Explore' },
  { href: '/settings', label: 'Settings' },
]

export function AppHeader() {
  const { path, route } = useLocation()
  const onSignOut = async () => {
    await signOut()
    route('/signin', true)
  }
  return (
    <header class="app-header">
      <a class="brand" href="/">
        Edge Chat
      </a>
      <nav aria-label="Main">
        <ul>
          {LINKS.map((link) => (
            <li key={link.href}>
              <a href={link.href} aria-current={isCurrent(path, link.href) ? 'page' : undefined}>
                {link.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="header-tools">
        <ThemeToggle />
        <span class="me" title={user.value?.email}>
          {user.value && <UserText text={user.value.username} />}
        </span>
        <button type="button" class="button subtle" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  )
}

function isCurrent(path: string, href: string): boolean {
  return href === '/' ? path === '/' || path.startsWith('/c/') : path.startsWith(href)
}
