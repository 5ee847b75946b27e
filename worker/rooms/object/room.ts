import * as v from 'valibot'
import { ChatIdSchema } from '../../../protocol/requests'
import { loadConfig } from '../../config'
import { chatDataKey } from '../../crypto/chat-keys'
import { chatKeyring } from '../../crypto/data-keys'
import type { Keyring } from '../../crypto/keys'
import { getDb } from '../../db/client'
import type { Env } from '../../env'
import type { PendingSend } from './log/commit'
import { findChatId, lastSeq, listMembers, listRemoved, recordChatId, type LogDb } from './log/store'

/** What the room's plain functions need: the object's state and log, secrets, its chat id and two caches. */
export interface Room {
  ctx: DurableObjectState
  /** The bindings: D1 (a moderator's role when deleting another's message; a message's attachments) and R2. */
  env: Env
  db: LogDb
  /**
   * The chat's keys (`chatKeyring`): its data key as version 0, which seals every new message, and
   * the master versions of MESSAGE_KEYS, which open rows sealed before per-chat keys until they are
   * re-sealed (`log/reseal.ts`). The data key is unwrapped once when the room opens and kept for the
   * instance's lifetime, so a send never reads D1.
   */
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
  /**
   * The chat's members (`members` table), the authority the socket upgrade asks: a cache changed
   * only together with storage (`admit`, `removeMember`). Null until copied from D1 once (`members.ts`).
   */
  members: Set<number> | null
  /** The copy from D1 in progress, shared by the upgrades that wait for it. */
  syncing?: Promise<boolean>
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

/**
 * The room over this object's storage, with its caches loaded from that storage and the chat's data
 * key from D1 (one read; the key is created on the chat's first use). Rejects with AppError
 * `not_found` when the chat's key was destroyed (the chat was deleted).
 */
export async function openRoom(ctx: DurableObjectState, env: Env, db: LogDb, exclusive: Room['exclusive']): Promise<Room> {
  const config = await loadConfig(env)
  const chatId = chatIdOf(ctx.id.name, db)
  const { key } = await chatDataKey(getDb(config.libsql, env), config.keyring, chatId)
  const keyring = chatKeyring(key, config.keyring)
  const { jwtKey } = config
  const members = listMembers(db)
  return {
    ctx,
    env,
    db,
    keyring,
    jwtKey,
    chatId,
    exclusive,
    lastSeq: lastSeq(ctx.storage.sql),
    outbox: [],
    removed: new Set(listRemoved(db)),
    members: members && new Set(members),
  }
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
