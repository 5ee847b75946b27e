import type { SessionBody } from '../../../protocol'
import * as auth from '../api/auth'
import { createLoadable } from './loadable'

const list = createLoadable<SessionBody[]>([])
export const { value: sessions, status: sessionsStatus, error: sessionsError } = list

export async function loadSessions(): Promise<void> {
  await list.load(async () => (await auth.listSessions()).sessions)
}

export async function revokeOneSession(id: string): Promise<void> {
  await auth.revokeSession(id)
  sessions.value = sessions.value.filter((s) => s.id !== id)
}
