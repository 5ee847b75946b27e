import { PRESENCE_SNAPSHOT_MAX, type PresenceFrame } from '../../../protocol/channel'
import { dbForEnv } from '../../db/for-env'
import type { Env } from '../../env'
import { errorFields, log } from '../../log'
import { onlineContacts, writePresence } from '../presence'
import { openChannels, sendChannelFrame } from './channel'

// The user's presence, decided by their hub: online while at least one channel is open.

/**
 * How long going offline settles before anyone is told: a reload (close, then open within a second)
 * announces nothing. Going online is announced at once (`announceOnline`).
 */
export const PRESENCE_SETTLE_MS = 1000
/** At most this many contacts' hubs are told of one flip (the D1 query's limit). */
export const PRESENCE_FANOUT_MAX = 1000

/** What the hub last announced, in its key-value storage: a flip is a change from it. */
const ANNOUNCED_KEY = 'online'
/** The hub's user, recorded at the first accept: an instance an alarm started has no name (pinned workerd). */
const USER_KEY = 'user_id'

interface Settling {
  timer: ReturnType<typeof setTimeout> | null
  /** Every settle so far, in order; the next one waits for the previous. */
  chain: Promise<void>
  /** Resolves when the scheduled settle (if any) has run. */
  next: Promise<void>
}
// Memory only: a pending timer keeps the object awake, so hibernation never drops one.
const settling = new WeakMap<DurableObjectState, Settling>()

export function recordUser(ctx: DurableObjectState, userId: number): void {
  if (ctx.storage.kv.get(USER_KEY) !== userId) ctx.storage.kv.put(USER_KEY, userId)
}

/**
 * On every start of the hub: an instance that was reset with channels open (a deploy, a crash) gets
 * no close events, so D1 may still say online. Whatever wakes it (a room or a contact calls only
 * hubs D1 calls online) settles it back to offline.
 */
export function reconcilePresence(ctx: DurableObjectState, env: Env): void {
  if (ctx.storage.kv.get<boolean>(ANNOUNCED_KEY) === true && openChannels(ctx).length === 0) presenceMayHaveChanged(ctx, env)
}

function settlingOf(ctx: DurableObjectState): Settling {
  let s = settling.get(ctx)
  if (!s) settling.set(ctx, (s = { timer: null, chain: Promise.resolve(), next: Promise.resolve() }))
  return s
}

/**
 * A channel opened while the user was announced offline: announce online now, before the channel's
 * 101, so that by the time it has `ready` D1 says online. Rooms notify only members D1 calls online
 * and snapshots list only them, so a settle delay here would lose a message's `chat` frame or a
 * contact's presence in the first second. Going offline still settles (a reload announces nothing).
 */
export function announceOnline(ctx: DurableObjectState, env: Env): Promise<void> {
  if (ctx.storage.kv.get<boolean>(ANNOUNCED_KEY) === true) return Promise.resolve()
  const state = settlingOf(ctx)
  state.chain = state.chain.then(() => settle(ctx, env)).catch((err: unknown) => log.error('presence_failed', errorFields(err)))
  return state.chain
}

/** A channel closed (or opened): after PRESENCE_SETTLE_MS, compare with what was announced. */
export function presenceMayHaveChanged(ctx: DurableObjectState, env: Env): void {
  const s = settlingOf(ctx)
  if (s.timer !== null) return
  const state = s
  state.next = new Promise((resolve) => {
    state.timer = setTimeout(() => {
      state.timer = null
      // One settle at a time, so two flips never write D1 out of order.
      state.chain = state.chain.then(() => settle(ctx, env)).catch((err: unknown) => log.error('presence_failed', errorFields(err)))
      void state.chain.then(resolve)
    }, PRESENCE_SETTLE_MS)
  })
}

/** Resolves once every change so far, a scheduled one included, has been settled and announced. */
export async function settled(ctx: DurableObjectState): Promise<void> {
  const state = settling.get(ctx)
  if (!state) return
  await state.next
  await state.chain
}

/**
 * The flip itself: one D1 write, then one `presence` frame to each online contact's hub (at most
 * PRESENCE_FANOUT_MAX), which forwards it to their channels.
 */
export async function settle(ctx: DurableObjectState, env: Env, nowMs = Date.now()): Promise<void> {
  const userId = ctx.storage.kv.get<number>(USER_KEY)
  if (userId === undefined) return
  const online = openChannels(ctx).length > 0
  if ((ctx.storage.kv.get<boolean>(ANNOUNCED_KEY) ?? false) === online) return
  ctx.storage.kv.put(ANNOUNCED_KEY, online)
  const db = await dbForEnv(env)
  await writePresence(db, userId, online, nowMs)
  const frame: PresenceFrame = { type: 'presence', user_id: userId, online, last_seen_at: online ? null : new Date(nowMs).toISOString() }
  const payload = JSON.stringify(frame)
  const contacts = await onlineContacts(db, userId, PRESENCE_FANOUT_MAX)
  await Promise.all(
    contacts.map((c) =>
      env.USER_HUB.getByName(String(c.userId))
        .deliver(payload)
        .catch((err: unknown) => log.error('hub_call_failed', { user_id: c.userId, ...errorFields(err) })),
    ),
  )
}

/** After `ready`: one `presence` frame per contact online now (at most PRESENCE_SNAPSHOT_MAX). */
export async function sendPresenceSnapshot(env: Env, ws: WebSocket, userId: number): Promise<void> {
  const contacts = await onlineContacts(await dbForEnv(env), userId, PRESENCE_SNAPSHOT_MAX)
  for (const c of contacts) {
    sendChannelFrame(ws, { type: 'presence', user_id: c.userId, online: true, last_seen_at: null })
  }
}
