import { signal } from '@preact/signals'

export type Theme = 'light' | 'dark'
const STORAGE_KEY = 'theme'
const systemDark = matchMedia('(prefers-color-scheme: dark)')

// public/theme.js already set the attribute before first paint; start from what it chose.
export const theme = signal<Theme>(document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light')

function apply(next: Theme): void {
  theme.value = next
  document.documentElement.dataset.theme = next
}

export function toggleTheme(): void {
  const next = theme.value === 'dark' ? 'light' : 'dark'
  try {
    localStorage.setItem(STORAGE_KEY, next)
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
  apply(next)
}

systemDark.addEventListener('change', (ev) => {
  let stored: string | null = null
  try {
    stored = localStorage.getItem(STORAGE_KEY)
  } catch {}
  if (stored !== 'light' && stored !== 'dark') apply(ev.matches ? 'dark' : 'light')
})
