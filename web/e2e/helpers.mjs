import { readFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'

const root = path.resolve(import.meta.dirname, '../..')
const axeSource = readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8')
// Every run saves the screens to an ignored folder; UPDATE_SCREENSHOTS=1 refreshes the committed copies
// in docs/screenshots/ (test users have random names, so each run's images differ).
export const SCREENSHOT_DIR = path.join(root, process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : 'web/e2e/.artifacts/screenshots')

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

/** A context that records the page's WebSockets, so a test can drop them like a network failure would. */
export async function newContext(browser, baseURL, options = {}) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1100, height: 760 }, ...options })
  await context.addInitScript(() => {
    const Native = window.WebSocket
    window.__sockets = []
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args)
        window.__sockets.push(this)
      }
    }
  })
  return context
}

/**
 * Reloads and resolves once the new document is parsed; the caller then waits for the UI it expects.
 * Not the `load` event (Playwright's default): that waits for every subresource, each a request
 * through the worker of a wrangler dev shared with the whole machine, and the app is usable before
 * then. Under load that wait alone ran past 30 s while the page was already signed in.
 */
export function reload(page) {
  return page.reload({ waitUntil: 'domcontentloaded' })
}

export function uniqueUser(prefix) {
  const id = `${prefix}_${Math.random().toString(36).slice(2, 7)}`
  return { username: id, email: `${id}@example.test`, password: 'correct horse battery staple' }
}

/**
 * Signs in over HTTP (as another client would): `{ token, userid }` (the access token and the user's
 * id) for direct API calls. Throws on any status but 200.
 */
export async function apiLogin(baseUrl, user) {
  const res = await fetch(`${baseUrl}/login/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: baseUrl },
    body: JSON.stringify({ Email: user.email, Password: user.password }),
  })
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`)
  const body = await res.json()
  return { token: body.access_token, userid: body.user.userid }
}

/** {@link apiLogin}'s access token alone. */
export async function apiToken(baseUrl, user) {
  return (await apiLogin(baseUrl, user)).token
}

export async function signUp(page, user) {
  await page.goto('/signup')
  await page.getByLabel('Username').fill(user.username)
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { name: `Welcome, ${user.username}` }).waitFor()
}

export async function signIn(page, user) {
  await page.goto('/signin')
  await page.getByLabel('Email').fill(user.email)
  await page.getByLabel('Password').fill(user.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: `Welcome, ${user.username}` }).waitFor()
}

/** axe-core's serious and critical violations on the current page, as readable lines. */
export async function axeViolations(page) {
  // Evaluated over the DevTools protocol rather than as an inline <script>, which the page's CSP blocks.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource)
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }))
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const theme = await page.evaluate(() => document.documentElement.dataset.theme)
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}-${theme}.png`) })
}

export async function setTheme(page, theme) {
  const current = await page.evaluate(() => document.documentElement.dataset.theme)
  if (current !== theme) await page.getByRole('button', { name: 'Dark mode' }).first().click()
  await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme)
}
