import { signal } from '@preact/signals'

/** The time relative timestamps are computed against; ticks every 30 s so "5 min ago" stays true. */
export const now = signal(Date.now())
setInterval(() => (now.value = Date.now()), 30_000)
