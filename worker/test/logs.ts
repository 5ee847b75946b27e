import { vi } from 'vitest'

export interface CapturedLogs {
  /** Everything written to console.log/warn/error, one string per call. */
  raw: string[]
  /** The lines parsed as the logger's JSON objects (throws on a line that is not one). */
  lines(): Record<string, unknown>[]
}

/** Captures console output inside workerd until `vi.restoreAllMocks()`; nothing reaches the test output. */
export function captureLogs(): CapturedLogs {
  const raw: string[] = []
  for (const method of ['log', 'warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      raw.push(args.map(String).join(' '))
    })
  }
  return {
    raw,
    lines: () =>
      raw.map((line) => {
        const parsed: unknown = JSON.parse(line)
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`not a JSON object line: ${line}`)
        return parsed as Record<string, unknown>
      }),
  }
}
