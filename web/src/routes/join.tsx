import { useEffect } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { ApiError } from '../api/errors'
import { useAction } from '../state/action'
import { joinWithInvite } from '../state/chats'

const INVITE_REFUSALS: Partial<Record<string, string>> = {
  not_found: "This invite link doesn't lead to a group. Check it, or ask for a new one.",
  invite_expired: 'This invite link has expired. Ask for a new one.',
  invite_exhausted: 'This invite link has been used as many times as it allows. Ask for a new one.',
  invite_revoked: 'This invite link was revoked. Ask for a new one.',
}

/**
 * `/join/<code>`, an invite link. Signed in, it joins the group and lands in its room (replacing
 * this page in history, so Back does not join again). Signed out, the app's gate sends the visitor
 * to sign in with `?next=/join/<code>` and brings them back here afterwards.
 */
export function JoinRoute({ code }: { code: string }) {
  const { route } = useLocation()
  const action = useAction({ staysBusyOnSuccess: true })
  useEffect(() => {
    void action.run(true, async () => {
      try {
        route(`/c/${await joinWithInvite(code)}`, true)
      } catch (err) {
        if (err instanceof ApiError && err.code in INVITE_REFUSALS) throw new ApiError('invalid_request', INVITE_REFUSALS[err.code]!)
        throw err
      }
    })
  }, [code])
  const error = action.error.value
  return (
    <main id="main" class="page narrow">
      <h1>Joining the group</h1>
      {error ? (
        <>
          <p class="error" role="alert">
            {error}
          </p>
          <p>
            <a href="/">Back to your chats</a>
          </p>
        </>
      ) : (
        <p class="muted" aria-busy="true">
          Joining…
        </p>
      )}
    </main>
  )
}

