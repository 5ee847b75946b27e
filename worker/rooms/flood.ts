import { FRAME_BURST, FRAMES_PER_SECOND } from '../../protocol/socket'

/** A per-socket token bucket, kept in the socket's attachment so it survives hibernation. */
export interface FloodBucket {
  tokens: number
  updatedAtMs: number
  /** Frames refused in a row; past FRAME_BURST the socket is closed. */
  refusals: number
}

export type FloodVerdict = 'allow' | 'refuse' | 'close'

export function fullBucket(nowMs: number): FloodBucket {
  return { tokens: FRAME_BURST, updatedAtMs: nowMs, refusals: 0 }
}

/** Takes one token for a frame. Pure: returns the new bucket and what to do with the frame. */
export function takeToken(bucket: FloodBucket, nowMs: number): { bucket: FloodBucket; verdict: FloodVerdict } {
  const elapsedMs = Math.max(0, nowMs - bucket.updatedAtMs)
  const tokens = Math.min(FRAME_BURST, bucket.tokens + (elapsedMs * FRAMES_PER_SECOND) / 1000)
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, updatedAtMs: nowMs, refusals: 0 }, verdict: 'allow' }
  const refusals = bucket.refusals + 1
  return { bucket: { tokens, updatedAtMs: nowMs, refusals }, verdict: refusals > FRAME_BURST ? 'close' : 'refuse' }
}
