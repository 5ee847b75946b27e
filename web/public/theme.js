// Runs before first paint (a blocking, external script: the CSP forbids inline ones).
// The stored choice wins; otherwise follow the system. state/theme.ts keeps it in sync afterwards.
;(function () {
  var theme
  try {
    theme = localStorage.getItem('theme')
  } catch (e) {}
  if (theme !== 'light' && theme !== 'dark') {
    theme = window.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
  }
  document.documentElement.setAttribute('data-theme', theme)
})()
