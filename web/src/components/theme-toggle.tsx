import { theme, toggleTheme } from '../state/theme'

export function ThemeToggle() {
  const isDark = theme.value === 'dark'
  return (
    <button type="button" class="icon-button theme-toggle" aria-pressed={isDark} onClick={toggleTheme} title="Toggle dark mode">
      <span aria-hidden="true">{isDark ? '☾' : '☀'}</span>
      <span class="visually-hidden">Dark mode</span>
    </button>
  )
}
