import { loadConfig } from '../config'
import type { Keyring } from '../crypto/keys'
import type { Env } from '../env'
import type { PendingSend } from './publish'
import { bindChatId, lastSeq } from './store'

/** What the room's plain functions need: the object's state, secrets, its chat id and two caches. */
export interface Room {
  ctx: DurableObjectState
  env: Env
  keyring: Keyring
  jwtKey: Uint8Array
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

/** The room of `chatId` over this object's storage, with its caches loaded from that storage. */
export async function openRoom(ctx: DurableObjectState, env: Env, chatId: number, exclusive: Room['exclusive']): Promise<Room> {
  const { keyring, jwtKey } = await loadConfig(env)
  bindChatId(ctx.storage.sql, chatId)
  return { ctx, env, keyring, jwtKey, chatId, exclusive, lastSeq: lastSeq(ctx.storage.sql), outbox: [] }
}
