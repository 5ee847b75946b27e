import { signal } from '@preact/signals'
import type { SessionBody } from '../../../protocol'
import * as auth from '../api/auth'
import { describeError } from '../api/errors'

export const sessions = signal<SessionBody[]>([])
export const sessionsStatus = signal<'idle' | 'loading' | 'ready' | 'error'>('idle')
export const sessionsError = signal<string | null>(null)

export async function loadSessions(): Promise<void> {
  sessionsStatus.value = 'loading'
  try {
    sessions.value = (await auth.listSessions()).sessions
    sessionsStatus.value = 'ready'
    sessionsError.value = null
  } catch (err) {
    sessionsError.value = describeError(err)
    sessionsStatus.value = 'error'
  }
}

export async function revokeOneSession(id: string): Promise<void> {
  await auth.revokeSession(id)
  sessions.value = sessions.value.filter((s) => s.id !== id)
}
