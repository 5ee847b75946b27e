import { AuthForm, withNext } from '../components/auth-form'
import { sessionNotice, signIn } from '../state/session'

export function SignInRoute() {
  return (
    <AuthForm
      title="Sign in"
      submitLabel="Sign in"
      notice={sessionNotice.value}
      onSubmit={(form) => signIn(String(form.get('email')), String(form.get('password')))}
      footer={
        <>
          New here? <a href={withNext('/signup')}>Create an account</a>
        </>
      }
    >
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="email" required autoFocus />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required />
    </AuthForm>
  )
}
