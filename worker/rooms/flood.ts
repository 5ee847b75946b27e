import { FRAME_BURST, FRAMES_PER_SECOND } from '../../protocol/socket'

/** A per-socket token bucket, kept in memory (see `sockets.ts` for why hibernation does not need it). */
export interface FloodBucket {
  tokens: number
  updatedAtMs: number
  /** Refused frames, draining at FRAMES_PER_SECOND like the tokens refill; past FRAME_BURST the socket is closed. */
  refusals: number
}

export type FloodVerdict = 'allow' | 'refuse' | 'close'

export function fullBucket(nowMs: number): FloodBucket {
  return { tokens: FRAME_BURST, updatedAtMs: nowMs, refusals: 0 }
}

/** Takes one token for a frame. Pure: returns the new bucket and what to do with the frame. */
export function takeToken(bucket: FloodBucket, nowMs: number): { bucket: FloodBucket; verdict: FloodVerdict } {
  const refill = (Math.max(0, nowMs - bucket.updatedAtMs) * FRAMES_PER_SECOND) / 1000
  const tokens = Math.min(FRAME_BURST, bucket.tokens + refill)
  // Refusals drain rather than reset, so a flood that a refilled token briefly lets through still ends in a close.
  const drained = Math.max(0, bucket.refusals - refill)
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, updatedAtMs: nowMs, refusals: drained }, verdict: 'allow' }
  const refusals = drained + 1
  return { bucket: { tokens, updatedAtMs: nowMs, refusals }, verdict: refusals > FRAME_BURST ? 'close' : 'refuse' }
}
