import { CLOSE_CODES } from '../../../protocol/socket'
import { loadConfig } from '../../config'
import type { Env } from '../../env'
import { errorResponse } from '../../errors'
import { errorFields, log } from '../../log'
import { shardCountFor, SHARD_HEADER, SHARD_REDIRECT_STATUS, shardName, shardOf, type ShardEntry } from '../shard/plan'
import { findChatId, openLog } from './log/store'
import type { Room } from './room'

// The room's side of a sharded group (docs/architecture.md#groups-beyond-one-object): how many shards
// it has, which shard a new socket goes to, and the calls that feed them. An unsharded room (every
// room below ROOM_SHARD_MEMBERS) pays one cached number compare per batch and per upgrade here.

/**
 * The group's shard count in the object's key-value storage: 0 (absent) = unsharded. It only grows
 * (`shard/plan.ts` shardCountFor), so every shard that may hold a socket stays below it.
 */
const SHARD_COUNT_KEY = 'shard_count'

type ShardStub = ReturnType<Env['FAN_OUT_SHARD']['getByName']>

interface ShardLinks {
  env: Env
  /** The count, read from storage once per instance and changed only with it. */
  count: number | null
  /** The room's chat, read from `room_meta` (recorded when the room first opened) on first use. */
  chatId: number | null
  /** One stub per shard: calls on one stub arrive in the order they were made (E-order). */
  stubs: Map<number, ShardStub>
  /** The latest batch delivery to each shard, so an ack can follow its message there (`deliveredTo`). */
  deliveries: Map<number, Promise<void>>
}

// Memory only: stubs and promises are rebuilt on demand, and the count is re-read from storage.
const links = new WeakMap<DurableObjectState, ShardLinks>()

/** Called once from the room's constructor: feeding the shards needs their namespace. */
export function registerShards(ctx: DurableObjectState, env: Env): void {
  links.set(ctx, { env, count: null, chatId: null, stubs: new Map(), deliveries: new Map() })
}

/** The group's shard count (0: unsharded). */
export function shardCount(ctx: DurableObjectState): number {
  const l = links.get(ctx)
  if (!l) return 0
  l.count ??= ctx.storage.kv.get<number>(SHARD_COUNT_KEY) ?? 0
  return l.count
}

/** Raises the shard count to `count` (never lowers it); returns the count now in force. */
export function raiseShardCount(ctx: DurableObjectState, count: number): number {
  const current = shardCount(ctx)
  if (count <= current) return current
  ctx.storage.kv.put(SHARD_COUNT_KEY, count)
  const l = links.get(ctx)
  if (l) l.count = count
  return count
}

/**
 * After a membership started: raises the count to ⌈members / ROOM_SHARD_MEMBERS⌉ once the group
 * has more members than one shard holds, counted from the room's member set (`admit` loads it first).
 */
export async function planShards(room: Room): Promise<number> {
  if (!room.members) return shardCount(room.ctx)
  const { roomShardMembers } = await loadConfig(room.env)
  return raiseShardCount(room.ctx, shardCountFor(room.members.size, roomShardMembers, shardCount(room.ctx)))
}

/**
 * Where a new socket of `userId` goes: null = this room (unsharded, or a legacy socket: shards
 * speak only `edge-chat.v1` and v2); otherwise the worker is told which shard takes it (a 307 naming it in
 * SHARD_HEADER), or refused 403 `not_member` here, so only members are sent on. The shard asks the
 * room once more when it attaches (`shardAttach`), which settles a removal in between.
 */
export function routeToShard(room: Room, userId: number, legacy: boolean): Response | null {
  const count = shardCount(room.ctx)
  if (count === 0 || legacy) return null
  if (!room.members?.has(userId)) return errorResponse('not_member', 'You are not a member of this chat.')
  return new Response(null, { status: SHARD_REDIRECT_STATUS, headers: { [SHARD_HEADER]: shardName(room.chatId, shardOf(userId, count)) } })
}

function stubOf(ctx: DurableObjectState, l: ShardLinks, index: number): ShardStub {
  let stub = l.stubs.get(index)
  if (!stub) {
    l.chatId ??= findChatId(openLog(ctx.storage))
    if (l.chatId === null) throw new Error('a room feeding shards before it opened')
    stub = l.env.FAN_OUT_SHARD.getByName(shardName(l.chatId, index))
    l.stubs.set(index, stub)
  }
  return stub
}

/**
 * Once per stored batch (messages, a change entry, a system message), after the room's own sockets
 * got it: one `deliver` call per shard with the batch's entries in seq order, not one call per
 * member. Call it in the exclusive section that stored them, so shards are fed in seq order. Not
 * awaited: a shard that misses a batch fills the gap from the log before the next (`shard/stream.ts`).
 */
export function feedShards(ctx: DurableObjectState, entries: ShardEntry[]): void {
  const count = shardCount(ctx)
  if (count === 0 || entries.length === 0) return
  const l = links.get(ctx)!
  for (let index = 0; index < count; index++) {
    const delivery = stubOf(ctx, l, index)
      .deliver(entries)
      .catch((err: unknown) => log.error('shard_delivery_failed', { chat_id: l.chatId, shard: index, ...errorFields(err) }))
    l.deliveries.set(index, delivery)
  }
}

/** Resolves once the latest batch handed to shard `index` was delivered there (or failed). */
export function deliveredTo(ctx: DurableObjectState, index: number): Promise<void> {
  return links.get(ctx)?.deliveries.get(index) ?? Promise.resolve()
}

/**
 * An unsequenced frame (typing, read notice) to every shard's sockets, except those of `exceptUserIds`
 * and except shard `exceptShard` (the sender's, which relays it itself). Best effort, like the frames.
 */
export function notifyShards(ctx: DurableObjectState, payload: string, exceptUserIds: number[] = [], exceptShard: number | null = null): void {
  const count = shardCount(ctx)
  if (count === 0) return
  const l = links.get(ctx)!
  for (let index = 0; index < count; index++) {
    if (index === exceptShard) continue
    void stubOf(ctx, l, index)
      .notify(payload, exceptUserIds)
      .catch((err: unknown) => log.error('shard_notify_failed', { chat_id: l.chatId, shard: index, ...errorFields(err) }))
  }
}

/**
 * Closes `userId`'s sockets on every shard with `code` (4003 removed, 4005 account deleted), awaited:
 * the caller holds the room's exclusive section, so no later batch reaches the shards before they
 * are closed. Returns how many sockets were closed.
 */
export async function closeOnShards(ctx: DurableObjectState, userId: number, code: number, reason: string): Promise<number> {
  const count = shardCount(ctx)
  if (count === 0) return 0
  const l = links.get(ctx)!
  const closed = await Promise.all(Array.from({ length: count }, (_, index) => stubOf(ctx, l, index).closeMember(userId, code, reason)))
  return closed.reduce((a, b) => a + b, 0)
}

/**
 * Sessions of `userId` were revoked: every shard closes their sockets with 4006 and refuses `auth`
 * frames of them until `untilMs` (`revocation.ts`, run on each shard's own storage). Returns how
 * many sockets were closed.
 */
export async function closeSessionsOnShards(ctx: DurableObjectState, userId: number, sessionIds: string[], untilMs: number): Promise<number> {
  const count = shardCount(ctx)
  if (count === 0) return 0
  const l = links.get(ctx)!
  const closed = await Promise.all(Array.from({ length: count }, (_, index) => stubOf(ctx, l, index).closeSessions(userId, sessionIds, untilMs)))
  return closed.reduce((a, b) => a + b, 0)
}

/**
 * The chat was deleted (`destroy.ts`): the count is dropped first, so no batch still in the
 * exclusive chain feeds a shard again, then every shard closes its sockets with 4004 and erases its
 * storage. Returns how many sockets were closed.
 */
export async function destroyShards(ctx: DurableObjectState): Promise<number> {
  const count = shardCount(ctx)
  const l = links.get(ctx)
  if (count === 0 || !l) return 0
  const stubs = Array.from({ length: count }, (_, index) => stubOf(ctx, l, index))
  ctx.storage.kv.delete(SHARD_COUNT_KEY)
  l.count = 0
  l.deliveries.clear()
  const closed = await Promise.all(stubs.map((stub) => stub.destroy(CLOSE_CODES.chatDeleted, 'The chat was deleted.')))
  l.stubs.clear()
  l.chatId = null
  return closed.reduce((a, b) => a + b, 0)
}

/** Forgets the cached count and stubs as an eviction does: for tests that change the stored count directly. */
export function forgetShards(ctx: DurableObjectState): void {
  const l = links.get(ctx)
  if (!l) return
  l.count = null
  l.stubs.clear()
  l.deliveries.clear()
}
