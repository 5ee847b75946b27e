import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { apiToken, axeViolations, launchBrowser, newContext, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'

let server
let browser

// Each is kept as soon as it is up, so `after` closes the browser even when the server fails to start
// (a browser left open keeps this file's process, and the whole run, from ever ending).
before(async () => {
  await Promise.all([startServer().then((s) => (server = s)), launchBrowser().then((b) => (browser = b))])
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

/** A signed-up user on the settings page, with the page ready. */
async function onSettings(prefix) {
  const context = await newContext(browser, server.baseUrl)
  const page = await context.newPage()
  const user = uniqueUser(prefix)
  await signUp(page, user)
  await page.goto('/settings')
  await page.getByRole('heading', { name: 'Change password' }).waitFor()
  return { context, page, user }
}

const login = (user, password = user.password) =>
  fetch(`${server.baseUrl}/login/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: server.baseUrl },
    body: JSON.stringify({ Email: user.email, Password: password }),
  })

/** Presses Tab until `locator` has the focus (at most `limit` times): proof it is reachable by keyboard. */
async function tabTo(page, locator, limit = 40) {
  for (let i = 0; i < limit; i++) {
    if (await locator.evaluate((el) => el === document.activeElement)) return
    await page.keyboard.press('Tab')
  }
  assert.fail(`not reachable with Tab: ${locator}`)
}

describe('settings: password, export, deletion', () => {
  it('changes the password by keyboard, with the new one typed twice and errors shown', async () => {
    const { context, page, user } = await onSettings('pw')
    const current = page.getByLabel('Current password')
    await tabTo(page, current)
    await page.keyboard.type('not my password')
    await page.keyboard.press('Tab')
    await page.keyboard.type('a shiny new passphrase')
    await page.keyboard.press('Tab')
    await page.keyboard.type('a shiny new passphrase, typo')
    await page.keyboard.press('Enter')
    assert.match(await page.locator('#password-error').textContent(), /don't match/)

    await page.getByLabel('Repeat the new password').fill('a shiny new passphrase')
    await page.getByLabel('Repeat the new password').press('Enter')
    assert.match(await page.locator('#password-error').textContent(), /password is not right/)

    await current.fill(user.password)
    await current.press('Enter')
    await page.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor()
    assert.deepEqual(await axeViolations(page), [])
    // Still signed in here; the old password is gone, the new one works.
    await page.reload()
    await page.getByRole('heading', { name: 'Settings' }).waitFor()
    assert.equal((await login(user)).status, 401)
    assert.equal((await login(user, 'a shiny new passphrase')).status, 200)
    await context.close()
  })

  it('downloads the account\'s data as edge-chat-export.json', async () => {
    const { context, page, user } = await onSettings('export')
    const token = await apiToken(server.baseUrl, user)
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, Origin: server.baseUrl }
    const created = await fetch(`${server.baseUrl}/chat/create/`, { method: 'POST', headers, body: JSON.stringify({ name: 'Export test' }) })
    const { chat_id } = await created.json()
    await fetch(`${server.baseUrl}/chat/${chat_id}/send/`, { method: 'POST', headers, body: JSON.stringify({ message: 'take this with me' }) })

    const button = page.getByRole('button', { name: 'Download my data' })
    await tabTo(page, button)
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')])
    assert.equal(download.suggestedFilename(), 'edge-chat-export.json')
    const data = JSON.parse(await readFile(await download.path(), 'utf8'))
    assert.equal(data.profile.username, user.username)
    const chat = data.chats.find((c) => c.chat_id === chat_id)
    assert.deepEqual(
      chat.messages.map((m) => m.message),
      ['take this with me'],
    )
    await context.close()
  })

  it('deletes the account only with the typed phrase and the right password, then signs out', async () => {
    const { context, page, user } = await onSettings('delete')
    const password = page.getByLabel('Password', { exact: true })
    const confirm = page.getByLabel('Type "delete my account" to confirm')
    const button = page.getByRole('button', { name: 'Delete account' })

    await password.fill(user.password)
    await confirm.fill('delete my acount')
    await confirm.press('Enter')
    assert.match(await page.locator('#delete-error').textContent(), /Type "delete my account"/)

    await password.fill('wrong password here')
    await confirm.fill('delete my account')
    await tabTo(page, button)
    await page.keyboard.press('Enter')
    assert.match(await page.locator('#delete-error').textContent(), /password is not right/)
    assert.equal((await login(user)).status, 200)

    await password.fill(user.password)
    await button.click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await page.getByText('Your account was deleted.').waitFor()
    assert.equal((await login(user)).status, 401)
    await page.reload()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await context.close()
  })
})

describe('a session revoked elsewhere', () => {
  it('signs this tab out at once when another device changes the password (live channel closed with 4006)', async () => {
    const context = await newContext(browser, server.baseUrl)
    await context.addInitScript(() => {
      window.__frames = []
      window.__closes = []
      const Native = window.WebSocket
      window.WebSocket = class extends Native {
        constructor(...args) {
          super(...args)
          this.addEventListener('message', (e) => window.__frames.push(String(e.data)))
          this.addEventListener('close', (e) => window.__closes.push(e.code))
        }
      }
    })
    const page = await context.newPage()
    const user = uniqueUser('revoked')
    await signUp(page, user)
    await page.waitForFunction(() => window.__frames.some((f) => JSON.parse(f).type === 'ready'))

    const token = await apiToken(server.baseUrl, user)
    const changed = await fetch(`${server.baseUrl}/me/password/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, Origin: server.baseUrl },
      body: JSON.stringify({ old_password: user.password, new_password: 'a shiny new passphrase' }),
    })
    assert.equal(changed.status, 200)
    assert.equal((await changed.json()).revoked_sessions, 1)

    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await page.getByText('Your session has ended. Please sign in again.').waitFor()
    assert.ok((await page.evaluate(() => window.__closes)).includes(4006))
    await context.close()
  })
})
