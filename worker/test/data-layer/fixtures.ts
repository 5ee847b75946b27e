import type { RoomGate } from '../../chats/chats'
import type { ChatVisibility } from '../../../protocol/http'
import { registerUser } from '../../auth/accounts'
import { createSession } from '../../auth/refresh-tokens'
import { createGroup } from '../../chats/chats'
import type { Db } from '../../db/client'
import type { AuthUser } from '../../env'
import { AppError } from '../../errors'

/** Real argon2id, cheap parameters: the suite is about storage, passwords.test.ts proves the cost. */
export const CHEAP_HASH = { m: 64, t: 1, p: 1 }

/** Gives each suite its database; called inside tests, after the runner's setup made it. */
export type OpenDb = () => Db

/** A name no other test uses, so tests never depend on each other's rows (helpers.ts needs workerd). */
export function uniqueName(label = 'user'): string {
  return `${label}_${crypto.randomUUID().slice(0, 12)}`
}

export interface SignedUpUser extends AuthUser {
  email: string
  password: string
  /** The refresh token of the login createSession started. */
  refreshToken: string
}

/** Registers a fresh user and starts one login, through the data layer only. */
export async function newUser(db: Db, label = 'user', nowMs = Date.now()): Promise<SignedUpUser> {
  const username = uniqueName(label)
  const email = `${username.toLowerCase()}@example.test`
  const password = `pw-${crypto.randomUUID()}`
  const account = await registerUser(db, { username, email, password }, CHEAP_HASH)
  const login = await createSession(db, account.id, 'data-layer test', nowMs)
  return { id: account.id, username, email, password, sessionId: login.sessionId, expiresAt: 0, refreshToken: login.token }
}

export async function newGroup(db: Db, owner: AuthUser, visibility: ChatVisibility = 'public'): Promise<number> {
  return (await createGroup(db, owner, { name: uniqueName('group'), visibility })).id
}

/** The AppError code a promise rejects with; null when it resolves. Anything else fails the test. */
export async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise
    return null
  } catch (err) {
    if (err instanceof AppError) return err.code
    throw err
  }
}

/**
 * The rooms membership changes tell (`admit`, `removeMember`). In workerd the suite uses the real
 * ChatRoom namespace (`useRooms(env.CHAT_ROOM)`); in Node, where no Durable Object runs, this stand-in
 * accepts the calls. What the rooms do with them is tested in worker/test/flows (room-faults tests).
 */
export let rooms: RoomGate = {
  getByName: () => ({ admit: async () => ({ admission: 0 }), undoAdmission: async () => false, removeMember: async () => 0, destroy: async () => undefined, closeSessions: async () => 0 }),
}

export function useRooms(gate: RoomGate): void {
  rooms = gate
}
