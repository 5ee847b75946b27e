import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH } from '../../../protocol'
import { AuthForm, withNext } from '../components/auth-form'
import { signUp } from '../state/session'
import { NEW_PASSWORD_RULE, USERNAME_RULE, requireValidFields } from '../utils/text-field'

export function SignUpRoute() {
  return (
    <AuthForm
      title="Create your account"
      submitLabel="Create account"
      onSubmit={async (form) => {
        const username = String(form.get('username'))
        const password = String(form.get('password'))
        requireValidFields([
          ['Username', username, USERNAME_RULE],
          ['Password', password, NEW_PASSWORD_RULE],
        ])
        await signUp(username, String(form.get('email')), password)
      }}
      footer={
        <>
          Already have an account? <a href={withNext('/signin')}>Sign in</a>
        </>
      }
    >
      <label for="username">Username</label>
      {/* No minLength/maxLength: they count UTF-16 units, not the server's code points; requireValidFields checks. */}
      <input id="username" name="username" autoComplete="username" required autoFocus aria-describedby="username-hint" />
      <p id="username-hint" class="hint">
        {USERNAME_MIN_LENGTH}–{USERNAME_MAX_LENGTH} characters. Others find you by it.
      </p>
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="new-password" required aria-describedby="password-hint" />
      <p id="password-hint" class="hint">
        {PASSWORD_MIN_LENGTH}–{PASSWORD_MAX_LENGTH} characters. A long passphrase is best.
      </p>
    </AuthForm>
  )
}
