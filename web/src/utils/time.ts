const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS

function isSameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate()
}

/**
 * Relative for today ("just now", "5 min ago", "3 h ago"), a date otherwise ("Nov 24, 14:05"),
 * with the year only when it is not this year. `nowMs` is passed in so the output is testable.
 */
export function formatMessageTime(iso: string, nowMs: number, locale?: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  const now = new Date(nowMs)
  const ageMs = nowMs - date.getTime()
  if (isSameDay(date, now) && ageMs > -MINUTE_MS) {
    if (ageMs < MINUTE_MS) return 'just now'
    if (ageMs < HOUR_MS) return `${Math.floor(ageMs / MINUTE_MS)} min ago`
    return `${Math.floor(ageMs / HOUR_MS)} h ago`
  }
  const options: Intl.DateTimeFormatOptions =
    date.getFullYear() === now.getFullYear()
      ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
      : { year: 'numeric', month: 'short', day: 'numeric' }
  return new Intl.DateTimeFormat(locale, options).format(date)
}

/** The full date and time, for a tooltip and the datetime attribute's human twin. */
export function formatFullTime(iso: string, locale?: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}

/** The time of day alone ("14:05"), for a message under its day's separator. */
export function formatClockTime(iso: string, locale?: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(date)
}

/** The viewer's local calendar day of `iso`, as a sortable key ("2026-11-25"); '' when invalid. */
export function dayKey(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`
}

/** A day separator's label: "Today", "Yesterday", "Monday, Nov 23", or with the year when it is not this year. */
export function formatDay(iso: string, nowMs: number, locale?: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  const now = new Date(nowMs)
  if (isSameDay(date, now)) return 'Today'
  if (isSameDay(date, new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1))) return 'Yesterday'
  const options: Intl.DateTimeFormatOptions =
    date.getFullYear() === now.getFullYear() ? { weekday: 'long', month: 'short', day: 'numeric' } : { year: 'numeric', month: 'short', day: 'numeric' }
  return new Intl.DateTimeFormat(locale, options).format(date)
}
