import { signal } from '@preact/signals'
import type { UserBody } from '../../../protocol'
import * as auth from '../api/auth'
import { ApiError, describeError } from '../api/errors'
import { onSessionEnd } from '../api/http'

export type AuthStatus = 'checking' | 'signed-in' | 'signed-out'

export const user = signal<UserBody | null>(null)
export const authStatus = signal<AuthStatus>('checking')
/** Shown on the sign-in page, e.g. after the session ended elsewhere. */
export const sessionNotice = signal<string | null>(null)

function signedIn(next: UserBody): void {
  user.value = next
  authStatus.value = 'signed-in'
  sessionNotice.value = null
}

function signedOut(notice: string | null = null): void {
  user.value = null
  authStatus.value = 'signed-out'
  sessionNotice.value = notice
}

onSessionEnd(() => {
  if (authStatus.value === 'signed-in') signedOut('Your session has ended. Please sign in again.')
})

/** On start-up: a refresh cookie from an earlier visit signs the user straight back in. */
export async function restoreSession(): Promise<void> {
  try {
    signedIn(await auth.resumeSession())
  } catch (err) {
    const isNetwork = err instanceof ApiError && err.code === 'network'
    signedOut(isNetwork ? describeError(err) : null)
  }
}

export async function signIn(email: string, password: string): Promise<void> {
  const res = await auth.login({ Email: email.trim(), Password: password })
  signedIn(res.user)
}

/** Registers, then signs in; the sign-up page checks the fields first (`utils/text-field.ts`). */
export async function signUp(username: string, email: string, password: string): Promise<void> {
  await auth.register({ Username: username.trim(), Email: email.trim(), Password: password })
  await signIn(email, password)
}

export async function signOut(): Promise<void> {
  try {
    await auth.logout()
  } catch {
    // The cookie may already be gone; locally we are signed out either way.
  }
  signedOut()
}

export async function signOutEverywhere(): Promise<void> {
  await auth.revokeAllSessions()
  await signOut()
}

/** Deletes the account (its password confirms it), then shows the sign-in page with a notice. */
export async function deleteAccount(password: string): Promise<void> {
  await withPasswordError(auth.deleteMe({ password }))
  signedOut('Your account was deleted.')
}

/** Changes the password; this browser stays signed in, every other session ends. Resolves with how many ended. */
export async function changePassword(oldPassword: string, newPassword: string): Promise<number> {
  return (await withPasswordError(auth.changePassword({ old_password: oldPassword, new_password: newPassword }))).revoked_sessions
}

// On these pages a 401 invalid_credentials is about the password typed, not an email (sign-in's wording).
async function withPasswordError<T>(call: Promise<T>): Promise<T> {
  try {
    return await call
  } catch (err) {
    if (err instanceof ApiError && err.code === 'invalid_credentials') throw new ApiError('invalid_request', 'That password is not right.', err.status)
    throw err
  }
}
