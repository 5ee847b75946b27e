import { eq } from 'drizzle-orm'
import type { SystemEvent } from '../../protocol/http'
import type { Db } from '../db/client'
import { users } from '../db/schema'
import type { AuthUser } from '../env'
import { errorFields, log } from '../log'

/** What recording a system message needs from the rooms: `env.CHAT_ROOM` in the worker. */
export interface SystemLog {
  getByName(name: string): { recordSystem(event: SystemEvent): Promise<unknown> }
}

/** The `actor_id`/`actor` pair every system event carries. */
export function actorOf(user: Pick<AuthUser, 'id' | 'username'>): { actor_id: number; actor: string } {
  return { actor_id: user.id, actor: user.username }
}

/** The `user_id`/`username` pair of an event about another member; an account gone meanwhile reads "". */
export async function subjectOf(db: Db, userId: number): Promise<{ user_id: number; username: string }> {
  const row = await db.select({ username: users.username }).from(users).where(eq(users.id, userId)).get()
  return { user_id: userId, username: row?.username ?? '' }
}

/**
 * Appends `event` to the chat's log as a system message (the room's `recordSystem`), after the D1
 * change it records has been committed. So a member can miss such a line, but never see one for a
 * change that did not happen: a failure here is logged (`system_message_failed`, the event's type
 * only) and the change stands. Awaited by the routes, so the line is in the log before the response
 * and before any message the same client sends next.
 */
export async function recordEvent(rooms: SystemLog, chatId: number, event: SystemEvent): Promise<void> {
  try {
    await rooms.getByName(String(chatId)).recordSystem(event)
  } catch (err) {
    log.error('system_message_failed', { chat_id: chatId, event: event.type, ...errorFields(err) })
  }
}
