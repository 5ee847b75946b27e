import { useEffect } from 'preact/hooks'
import { useLocation } from 'preact-iso'
import { ApiError } from '../api/errors'
import { useAction } from '../state/action'
import { joinWithInvite } from '../state/chats'

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
        // Unknown, expired, used up and revoked look the same on purpose: a code reveals nothing.
        if (err instanceof ApiError && err.code === 'not_found') throw new ApiError('invalid_request', 'This invite link is not valid any more. Ask for a new one.')
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

