// Shared by the room (object/), the worker (upgrade.ts) and the shards (shard/): how a large group's
// sockets are spread over fan-out shards. Imports nothing of either side.

/** The room answers an upgrade it hands to a shard with this status and the shard's name in SHARD_HEADER. */
export const SHARD_REDIRECT_STATUS = 307
export const SHARD_HEADER = 'X-Chat-Shard'

/**
 * Members per shard when ROOM_SHARD_MEMBERS is unset. A shard's CPU per message is about one
 * `ws.send` per socket (10-12 µs each, docs/performance.md), so 2,000 sockets cost 20-25 ms per
 * batch: a shard keeps up with 40 batches/s and stays far from the 32,768 sockets an object accepts.
 */
export const DEFAULT_SHARD_MEMBERS = 2000

/** The most ROOM_SHARD_MEMBERS may say: the 32,768 WebSockets one object accepts (Durable Objects limits). */
export const MAX_SHARD_MEMBERS = 32768

/**
 * One stored log entry serialized once by the room, as the shards receive it (and a replay page is
 * coalesced from, `object/fan-out.ts` batchedPayloads): a message (a member's or a system one) as its
 * MessageBody JSON `body`, from which both its `message` frame and a `messages` frame are built
 * without parsing; otherwise as its whole `frame`, which is never coalesced: a `message_updated`, or
 * a system message fed alone (`system-messages.ts`). Only one of the two is sent, to keep the
 * `deliver` RPC small.
 */
export type ShardEntry = { seq: number; body: string; frame?: undefined } | { seq: number; frame: string; body?: undefined }

/** Shard `index` of chat `chatId` is the FanOutShard named `<chatId>:<index>`. */
export function shardName(chatId: number, index: number): string {
  return `${chatId}:${index}`
}

/** The inverse of `shardName`; null for anything `shardName` does not write (leading zeros, signs, extra parts). */
export function parseShardName(name: string): { chatId: number; index: number } | null {
  const match = /^([1-9][0-9]{0,15}):(0|[1-9][0-9]{0,5})$/.exec(name)
  if (!match) return null
  const chatId = Number(match[1])
  return Number.isSafeInteger(chatId) ? { chatId, index: Number(match[2]) } : null
}

/**
 * The shard of a member's sockets: user id mod the shard count. Ids are sequential, so members spread
 * evenly, and all of one member's tabs meet on one shard. A count that grew since a socket opened
 * leaves that socket where it is: the room feeds every shard below the count.
 */
export function shardOf(userId: number, count: number): number {
  return userId % count
}

/**
 * How many shards a group of `members` needs: none up to `membersPerShard` (the room holds every
 * socket), then ⌈members / membersPerShard⌉. Never fewer than `current`: sockets already on a shard
 * stay there until they reconnect, so a count only grows.
 */
export function shardCountFor(members: number, membersPerShard: number, current: number): number {
  const needed = members <= membersPerShard ? 0 : Math.ceil(members / membersPerShard)
  return Math.max(current, needed)
}
