import type { Env } from '../../env'
import { createExclusive, type Room } from '../object/room'
import { parseShardName } from './plan'

// What the shard's plain functions need, rebuilt on demand: after hibernation the constructor runs
// again and everything here is re-read from the object's name and storage.

/** A socket being let in: the room said yes, but a removal may still arrive before it is accepted. */
export interface PendingAttach {
  userId: number
  revoked: boolean
}

export interface Shard {
  ctx: DurableObjectState
  env: Env
  /**
   * Runs tasks one after another: the stream's deliveries, catch-ups and attaches must not
   * interleave (each compares with, and moves, the delivered seq). Empty whenever it can hibernate.
   */
  exclusive: Room['exclusive']
  /** Attaches waiting for the room's answer; `closeMember` revokes those of a removed member. */
  attaching: Set<PendingAttach>
  /** The delivered seq, cached; storage holds the truth (`deliveredSeq`). */
  delivered: number | null
  /** `identity`, cached for the instance's lifetime. */
  id: { chatId: number; index: number } | null
  /**
   * The chat was deleted (`destroy`): batches still arriving are dropped and attaches refused. Memory
   * only: the storage is erased with it and the room feeds no shard of a deleted chat again.
   */
  destroyed: boolean
}

export function openShard(ctx: DurableObjectState, env: Env): Shard {
  return { ctx, env, exclusive: createExclusive(), attaching: new Set(), delivered: null, id: null, destroyed: false }
}

const NAME_KEY = 'name'
const DELIVERED_KEY = 'delivered_seq'

/**
 * The chat and index this shard serves, from its name `<chatId>:<index>`. As for the room
 * (`object/room.ts` chatIdOf), an instance the alarm started may have no name, so the first named
 * call records it.
 */
export function identity(shard: Shard): { chatId: number; index: number } {
  if (shard.id) return shard.id
  const name = shard.ctx.id.name ?? shard.ctx.storage.kv.get<string>(NAME_KEY)
  const parsed = name === undefined ? null : parseShardName(name)
  if (!parsed) throw new Error('a fan-out shard named other than <chatId>:<index>')
  if (shard.ctx.id.name !== undefined && shard.ctx.storage.kv.get<string>(NAME_KEY) !== name) shard.ctx.storage.kv.put(NAME_KEY, name)
  shard.id = parsed
  return parsed
}

/** The room this shard feeds from. */
export function roomOf(shard: Shard) {
  return shard.env.CHAT_ROOM.getByName(String(identity(shard).chatId))
}

/**
 * The highest seq delivered to this shard's sockets: every entry up to it went to every socket open
 * at the time (a socket that joined later got its own replay). Kept in storage, so a shard that wakes
 * from hibernation with its sockets still open knows where they are.
 */
export function deliveredSeq(shard: Shard): number {
  shard.delivered ??= shard.ctx.storage.kv.get<number>(DELIVERED_KEY) ?? 0
  return shard.delivered
}

/** Records a new delivered seq; the caller awaits `storage.sync()` before sending what it covers. */
export function recordDelivered(shard: Shard, seq: number): void {
  shard.delivered = seq
  shard.ctx.storage.kv.put(DELIVERED_KEY, seq)
}
