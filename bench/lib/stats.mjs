// Percentiles and small number helpers for the report.

/** p in [0, 100]; nearest-rank on a sorted copy. Returns null for no samples. */
export function percentiles(samples, ps = [50, 95, 99]) {
  if (samples.length === 0) return Object.fromEntries(ps.map((p) => [`p${p}`, null]))
  const sorted = Float64Array.from(samples).sort()
  const out = {}
  for (const p of ps) out[`p${p}`] = round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))], 2)
  return out
}

export function mean(samples) {
  if (samples.length === 0) return null
  let sum = 0
  for (const x of samples) sum += x
  return sum / samples.length
}

export function round(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return null
  const f = 10 ** digits
  return Math.round(x * f) / f
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs fn(i) for i in [0, n) with at most `limit` in flight; returns results in order. */
export async function pool(n, limit, fn) {
  const results = new Array(n)
  let next = 0
  async function worker() {
    while (next < n) {
      const i = next++
      results[i] = await fn(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker))
  return results
}

/** Rejects with `what` after ms unless promise settles first. */
export function withDeadline(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** The run with the median deliveries/s, annotated with every run's figure. */
export function medianRun(runs) {
  const sorted = [...runs].sort((a, b) => a.deliveries_per_s - b.deliveries_per_s)
  const median = sorted[Math.floor((sorted.length - 1) / 2)]
  return runs.length > 1 ? { ...median, runs_deliveries_per_s: runs.map((r) => r.deliveries_per_s), runs: runs.length } : median
}
