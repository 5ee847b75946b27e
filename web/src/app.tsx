import { useEffect } from 'preact/hooks'
import { ErrorBoundary, LocationProvider, Route, Router, lazy, useLocation } from 'preact-iso'
import { AppHeader } from './components/app-header'
import { HomeRoute } from './routes/home'
import { NotFoundRoute } from './routes/not-found'
import { authStatus, restoreSession } from './state/session'
// The live channel and the document title follow the session from here on.
import './state/live'

// Rarely used pages load on demand, keeping the first load small.
// The sign-in and sign-up pages (and the form and field checks they share) load on demand: a signed-in
// visit, the common one, never needs them, and a signed-out one fetches them while showing the shell.
const SignInRoute = lazy(() => import('./routes/sign-in').then((m) => m.SignInRoute))
const SignUpRoute = lazy(() => import('./routes/sign-up').then((m) => m.SignUpRoute))
const NewChatRoute = lazy(() => import('./routes/new-chat').then((m) => m.NewChatRoute))
const ExploreRoute = lazy(() => import('./routes/explore').then((m) => m.ExploreRoute))
const SessionsRoute = lazy(() => import('./routes/sessions').then((m) => m.SessionsRoute))
const SettingsRoute = lazy(() => import('./routes/settings').then((m) => m.SettingsRoute))
// The room (message list, composer, actions menu, links) loads on demand too: the first load stays
// under its 25 kB budget, and the chat list shows while it arrives.
const ChatRoute = lazy(() => import('./routes/chat').then((m) => m.ChatRoute))
const JoinRoute = lazy(() => import('./routes/join').then((m) => m.JoinRoute))

const PUBLIC_PATHS = new Set(['/signin', '/signup'])

void restoreSession()

/** Sends signed-out visitors to sign in (remembering where they were going) and signed-in ones away from it. */
function AuthGate() {
  const { path, url, query, route } = useLocation()
  const status = authStatus.value
  const isPublic = PUBLIC_PATHS.has(path)
  useEffect(() => {
    if (status === 'signed-out' && !isPublic) route(path === '/' ? '/signin' : `/signin?next=${encodeURIComponent(url)}`, true)
    if (status === 'signed-in' && isPublic) route(safeNext(query.next), true)
  }, [status, isPublic, url])
  if (status === 'checking' || (status === 'signed-out') !== isPublic) {
    return (
      <main id="main" class="splash" aria-busy="true">
        <p class="muted">Loading…</p>
      </main>
    )
  }
  return (
    <>
      {status === 'signed-in' && <AppHeader />}
      <ErrorBoundary>
        <Router>
          <Route path="/signin" component={SignInRoute} />
          <Route path="/signup" component={SignUpRoute} />
          <Route path="/" component={HomeRoute} />
          <Route path="/c/:chatId" component={ChatRoute} />
          <Route path="/new" component={NewChatRoute} />
          <Route path="/explore" component={ExploreRoute} />
          <Route path="/settings" component={SettingsRoute} />
          <Route path="/settings/sessions" component={SessionsRoute} />
          <Route path="/join/:code" component={JoinRoute} />
          <Route default component={NotFoundRoute} />
        </Router>
      </ErrorBoundary>
    </>
  )
}

/** Only same-app paths: `next=https://evil.example` or `//evil.example` must not redirect off-site. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/'
}

export function App() {
  return (
    <LocationProvider>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <AuthGate />
    </LocationProvider>
  )
}
