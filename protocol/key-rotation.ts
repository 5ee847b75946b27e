/**
 * The operator's key rotation route, POST /admin/keys/rewrap/ (`npm run keys:rewrap`; docs/security.md#rotating-a-master-key).
 * Not used by the web client. Each call does one bounded batch and returns cursors for the next.
 */
import * as v from 'valibot'
import { Count } from './fields'

/** Most chats one call looks at, per phase (keys, rooms): each room visit is one Durable Object call. */
export const REWRAP_BATCH_MAX = 100
/** Most messages one room re-seals per call. */
export const RESEAL_ROWS_MAX = 1000

function bounded(fallback: number, max: number) {
  return v.optional(v.pipe(Count, v.minValue(1, 'must be at least 1.'), v.maxValue(max, `must be at most ${max}.`)), fallback)
}

/**
 * `keys_after` / `rooms_after`: the cursors (chat ids) the previous call returned, 0 to start.
 * `batch`: chats per phase (default 20); `rows`: messages re-sealed per room (default 200).
 */
export const RewrapRequestSchema = v.object({
  keys_after: v.optional(Count, 0),
  rooms_after: v.optional(Count, 0),
  batch: bounded(20, REWRAP_BATCH_MAX),
  rows: bounded(200, RESEAL_ROWS_MAX),
})
export type RewrapRequest = v.InferInput<typeof RewrapRequestSchema>

/** One batch's report. Lists hold chat ids. */
export interface RewrapResponse {
  /** The current master version (first in MESSAGE_KEYS): every key is being wrapped under it. */
  master_version: number
  keys: {
    /** Data keys re-wrapped under `master_version` by this call. */
    rewrapped: number
    /** Keys that did not unwrap (tampered, or bound to another chat); left as they are. */
    unreadable: number[]
    next_after: number
    done: boolean
  }
  rooms: {
    /** Rooms asked to re-seal by this call. */
    visited: number
    /** Messages moved from a master key to their chat's data key by this call. */
    resealed: number
    /** Messages that stay under a master key because they do not open (counted once per stuck room). */
    still_old: number
    /** Rooms left with such messages. */
    stuck: number[]
    /** Rooms whose call failed (e.g. the chat's key was destroyed); run again. */
    failed: number[]
    next_after: number
    done: boolean
  }
  /** Live data keys still wrapped under each other master version, e.g. `{ "v1": 3 }`: what removing it would lose. */
  keys_not_current: Record<string, number>
  /** Both walks reached the end. */
  done: boolean
}
