export const RECONNECT_BASE_MS = 500
export const RECONNECT_MAX_MS = 15_000

/** Exponential backoff with "full jitter" (AWS architecture blog), so clients don't reconnect in lockstep. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.min(attempt, 10))
  return Math.round(RECONNECT_BASE_MS / 2 + random() * (cap - RECONNECT_BASE_MS / 2))
}
