import type { Keyring } from '../crypto/keys'
import type { Env } from '../env'

/** What the room's plain functions need: the object's state, secrets and its chat id. */
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
