const UNITS = ['KB', 'MB', 'GB'] as const

/**
 * A byte count for people: "512 bytes", "1 byte", "1.5 KB", "10 MB", "2.3 GB". Units are binary
 * (1 KB = 1,024 bytes), as operating systems' file dialogs show them, so a 10 MiB limit reads "10 MB".
 * One decimal below 10 of a unit, none from 10 up; a value that would round to 1,024 moves up a unit.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${bytes} bytes`
  let value = bytes / 1024
  let unit = 0
  while (unit < UNITS.length - 1 && round(value) >= 1024) {
    value /= 1024
    unit++
  }
  return `${round(value).toLocaleString('en-US')} ${UNITS[unit]}`
}

function round(value: number): number {
  return value < 9.95 ? Math.round(value * 10) / 10 : Math.round(value)
}
