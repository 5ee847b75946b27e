import * as v from 'valibot'
import { ChatIdSchema } from '../../../protocol/requests'
import { loadConfig } from '../../config'
import type { Keyring } from '../../crypto/keys'
import type { Env } from '../../env'
import type { PendingSend } from './log/commit'
import { findChatId, lastSeq, listRemoved, recordChatId, type LogDb } from './log/store'

/** What the room's plain functions need: the object's state and log, secrets, its chat id and two caches. */
export interface Room {
  ctx: DurableObjectState
  /** The bindings: D1 (a message's attachments; a moderator's role when deleting another's message) and R2. */
  env: Env
  db: LogDb
  keyring: Keyring
  jwtKey: Uint8Array
  /** From `chatIdOf`: the object's own name. */
  chatId: number
  /**
   * Runs `task` after every earlier task has finished. Encryption awaits, and the runtime may deliver
   * another frame during that await; seq assignment, storage, replay and broadcast must not interleave.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T>
  /**
   * The highest stored seq. A cache of `max(seq)`: read from storage when the room opens (also after
   * hibernation) and advanced only after a commit, so it never runs ahead of what is stored.
   */
  lastSeq: number
  /** Sends waiting for the next group commit; empty whenever the object can hibernate. */
  outbox: PendingSend[]
  /**
   * Users whose membership ended (`removed_members`): a cache read when the room opens and changed
   * only together with storage, by `removeMember` and `admit`, so the commit can check it for free.
   */
  removed: Set<number>
}

/**
 * A promise chain. It holds no state worth keeping: it is empty whenever the object can hibernate,
 * so losing it with the instance is harmless.
 */
export function createExclusive(): Room['exclusive'] {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task, task)
    tail = run.catch(() => {})
    return run
  }
}

/** The room over this object's storage, with its caches loaded from that storage. */
export async function openRoom(ctx: DurableObjectState, env: Env, db: LogDb, exclusive: Room['exclusive']): Promise<Room> {
  const { keyring, jwtKey } = await loadConfig(env)
  const chatId = chatIdOf(ctx.id.name, db)
  return { ctx, env, db, keyring, jwtKey, chatId, exclusive, lastSeq: lastSeq(ctx.storage.sql), outbox: [], removed: new Set(listRemoved(db)) }
}

/**
 * The chat this room serves: the object's name (`ctx.id.name`), as the worker reaches it by `getByName(String(chatId))`.
 * workerd 1.20260426.1 (the pinned runtime) leaves `ctx.id.name` undefined in an instance that an
 * alarm started with no caller, and that instance goes on serving calls made by name (seen in the
 * vitest pool and in `wrangler dev`; production keeps the name). So the first named call records the
 * id in `room_meta`, and a nameless instance reads it back. A name that is not a canonical chat id,
 * or that disagrees with the record, is a routing bug: ciphertexts are bound to the chat id, so the
 * room refuses rather than mix chats.
 */
export function chatIdOf(name: string | undefined, db: LogDb): number {
  const recorded = findChatId(db)
  if (name === undefined) {
    if (recorded === null) throw new Error('a room without a name or a recorded chat id')
    return recorded
  }
  // The chat id rule of the REST paths, plus one more: canonical digits only, as `String(chatId)`
  // wrote them, since "07" would be a second object for chat 7.
  const parsed = v.safeParse(ChatIdSchema, name)
  if (!parsed.success || String(parsed.output) !== name) throw new Error('a room named other than by a chat id')
  const chatId = parsed.output
  if (recorded === null) recordChatId(db, chatId)
  else if (recorded !== chatId) throw new Error(`room of chat ${recorded} was asked to serve chat ${chatId}`)
  return chatId
}
