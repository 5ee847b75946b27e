import { useEffect } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { TimeLabel } from '../components/time-label'
import { useAction } from '../state/action'
import { loadSessions, revokeOneSession, sessions, sessionsError, sessionsStatus } from '../state/sessions'
import { signOutEverywhere } from '../state/session'

export function SessionsRoute() {
  const { route } = useLocation()
  const action = useAction()
  useEffect(() => void loadSessions(), [])
  const run = (task: () => Promise<void>) => action.run(true, task)
  const error = action.error.value
  const isBusy = action.busy.value !== null
  const everywhere = () =>
    run(async () => {
      await signOutEverywhere()
      route('/signin', true)
    })
  return (
    <main id="main" class="page narrow">
      <h1>Active sessions</h1>
      <p class="muted">Every device or browser signed in to your account. Sign out any you don't recognise.</p>
      {(error ?? sessionsError.value) && (
        <p class="error" role="alert">
          {error ?? sessionsError.value}
        </p>
      )}
      {sessionsStatus.value === 'loading' && sessions.value.length === 0 && <p class="muted">Loading sessions…</p>}
      <ul class="session-list">
        {sessions.value.map((s) => (
          <li key={s.id} class="card session">
            <div>
              <p class="session-agent">
                {describeAgent(s.user_agent)}
                {s.current && <span class="tag">This browser</span>}
              </p>
              <p class="muted small">
                Signed in <TimeLabel iso={s.created_at} /> · last active <TimeLabel iso={s.last_used_at} />
              </p>
            </div>
            {!s.current && (
              <button type="button" class="button small subtle" disabled={isBusy} onClick={() => run(() => revokeOneSession(s.id))} aria-label={`Sign out ${describeAgent(s.user_agent)}`}>
                Sign out
              </button>
            )}
          </li>
        ))}
      </ul>
      <button type="button" class="button danger" disabled={isBusy} onClick={everywhere}>
        Sign out everywhere
      </button>
    </main>
  )
}

function describeAgent(agent: string | null): string {
  if (!agent) return 'Unknown device'
  const browser = /Edg\//.test(agent) ? 'Edge' : /Chrom(e|ium)\//.test(agent) ? 'Chrome' : /Firefox\//.test(agent) ? 'Firefox' : /Safari\//.test(agent) ? 'Safari' : 'Browser'
  const os = /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iOS' : /Mac OS X/.test(agent) ? 'macOS' : /Windows/.test(agent) ? 'Windows' : /Linux/.test(agent) ? 'Linux' : 'unknown system'
  return `${browser} on ${os}`
}
