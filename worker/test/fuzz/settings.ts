import { env } from 'cloudflare:workers'
import type { Parameters } from 'fast-check'

// How many inputs each property tries and from which seed. Fixed by default, so CI runs the same
// inputs every time; FUZZ_SEED, FUZZ_RUNS and FUZZ_PATH (environment variables of `npx vitest`,
// passed in as bindings by vitest.config.ts) replay a failure or search wider. See docs/security.md.

/** The default seed: any fixed number, so two runs of the suite try the same inputs. */
const DEFAULT_SEED = 14

function readInteger(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value)) throw new Error(`FUZZ_* must be an integer, got ${JSON.stringify(raw)}`)
  return value
}

/**
 * fast-check parameters for one property: `defaultRuns` inputs unless FUZZ_RUNS says otherwise.
 * fast-check's failure report names the seed and the shrink path; pass them back as FUZZ_SEED and
 * FUZZ_PATH (with `-t` naming the test) to replay exactly that input.
 */
export function fuzzParameters<T>(defaultRuns: number): Parameters<T> {
  const path = env.FUZZ_PATH?.trim()
  return {
    seed: readInteger(env.FUZZ_SEED, DEFAULT_SEED),
    numRuns: readInteger(env.FUZZ_RUNS, defaultRuns),
    ...(path ? { path } : {}),
  }
}

/** The vitest timeout of a property test: room for `runs` inputs at up to 100 ms each, and shrinking. */
export function fuzzTimeoutMs(defaultRuns: number): number {
  return Math.max(60_000, readInteger(env.FUZZ_RUNS, defaultRuns) * 100)
}
