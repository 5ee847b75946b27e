import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { apiToken, axeViolations, launchBrowser, newContext, screenshot, setTheme, signIn, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'

// Issue #11 in two browsers: the chat list, the unread title, presence and read receipts, all live.
let server
let browser
const ann = uniqueUser('ann')
const ben = uniqueUser('ben')
let annPage
let benPage
let groupId
let directId
const groupName = `Live ${Date.now().toString(36)}`

/** A JSON call as `user`, the way another client of the API would make it. */
async function api(user, method, path, body) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', Origin: server.baseUrl, Authorization: `Bearer ${await apiToken(server.baseUrl, user)}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`)
  return res.json()
}

/** A context whose pages also record each socket frame they receive, so a test can wait for one. */
async function recordingPage() {
  const context = await newContext(browser, server.baseUrl)
  await context.addInitScript(() => {
    window.__frames = []
    const Native = window.WebSocket
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args)
        this.addEventListener('message', (e) => window.__frames.push(String(e.data)))
      }
    }
  })
  const page = await context.newPage()
  page.on('dialog', () => assert.fail('the page opened a browser dialog'))
  return page
}

// By the chat's name only: a group row's preview also shows the sender's name.
const row = (page, name) => page.locator('.chat-row', { has: page.locator('.chat-name', { hasText: name }) })
const bubble = (page, text) => page.getByRole('log', { name: 'Messages' }).locator('.message', { hasText: text })
/** The room's `ready` frame for `chatId`, once it has arrived (the page's CSP rules out eval'd predicates). */
async function roomReady(page, chatId) {
  const isReady = (f, id) => f.type === 'ready' && f.chat_id === id
  await page.waitForFunction((id) => window.__frames.some((f) => JSON.parse(f).type === 'ready' && JSON.parse(f).chat_id === id), chatId)
  return (await page.evaluate(() => window.__frames.map((f) => JSON.parse(f)))).find((f) => isReady(f, chatId))
}

before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  annPage = await recordingPage()
  benPage = await recordingPage()
  await signUp(annPage, ann)
  await signUp(benPage, ben)
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

describe('live chat list, presence and read receipts', () => {
  it("shows a group B was added to in B's list without a reload", async () => {
    await benPage.evaluate(() => (window.__sameDocument = true))
    const { users } = await api(ann, 'GET', `/users/?q=${ben.username}`)
    const benId = users.find((u) => u.username === ben.username).userid
    groupId = (await api(ann, 'POST', '/chat/create/', { is_group: true, name: groupName, visibility: 'private' })).chat_id
    await api(ann, 'POST', `/chat/${groupId}/add/`, { user_id: benId })
    await row(benPage, groupName).waitFor()
    directId = (await api(ann, 'POST', '/chat/private/', { user_id: benId })).chat_id
    await row(benPage, ann.username).waitFor()
    assert.equal(await benPage.evaluate(() => window.__sameDocument), true, 'no reload')
  })

  it("raises B's unread badge and title live when A writes", async () => {
    await annPage.goto(`/c/${groupId}`)
    await annPage.getByRole('heading', { level: 1, name: groupName }).waitFor()
    await annPage.getByLabel('Message', { exact: true }).fill('Hello Ben')
    await annPage.getByLabel('Message', { exact: true }).press('Enter')
    await row(benPage, groupName).getByText('1 unread').waitFor()
    await row(benPage, groupName).getByText('Hello Ben').waitFor()
    await benPage.waitForFunction(() => document.title === '(1) Edge Chat')
    // The writer's own tab has the room open: its list row updates, with no badge and no count in the title.
    await row(annPage, groupName).getByText('Hello Ben').waitFor()
    assert.equal(await row(annPage, groupName).locator('.badge').count(), 0)
    // The chat's name is isolated (FSI ... PDI) so a bidi control in it cannot reorder the rest.
    assert.equal(await annPage.title(), `\u2068${groupName}\u2069 · Edge Chat`)
  })

  it('shows B that A is online: a dot on the 1:1 row with the text "online"', async () => {
    await row(benPage, ann.username).locator('.presence-dot').getByText('online').waitFor({ state: 'attached' })
    for (const theme of ['light', 'dark']) {
      await setTheme(benPage, theme)
      assert.deepEqual(await axeViolations(benPage), [], `list with presence, ${theme}`)
      await screenshot(benPage, 'chats-live')
    }
  })

  it('tells A "Seen by 1" once B opens the group, with B\'s name behind a disclosure button, and clears B\'s badge on B\'s other device', async () => {
    const benElsewhere = await recordingPage()
    await signIn(benElsewhere, ben)
    await row(benElsewhere, groupName).getByText('1 unread').waitFor()
    await benElsewhere.waitForFunction(() => document.title === '(1) Edge Chat')
    await row(benPage, groupName).click()
    await bubble(benPage, 'Hello Ben').waitFor()
    await benPage.waitForFunction(() => document.title === `\u2068${document.querySelector('h1')?.textContent}\u2069 · Edge Chat`)
    const seenBy = bubble(annPage, 'Hello Ben').getByRole('button', { name: 'Seen by 1' })
    await seenBy.waitFor()
    assert.equal(await seenBy.getAttribute('aria-expanded'), 'false')
    await seenBy.focus()
    await annPage.keyboard.press('Enter')
    assert.equal(await seenBy.getAttribute('aria-expanded'), 'true')
    await bubble(annPage, 'Hello Ben').getByRole('list', { name: 'Seen by' }).getByText(ben.username).waitFor()
    await benElsewhere.waitForFunction(() => document.title === 'Edge Chat')
    assert.equal(await row(benElsewhere, groupName).locator('.badge').count(), 0)
    await benElsewhere.context().close()
    // The group's member list shows who is online too.
    await annPage.getByRole('button', { name: 'Members' }).click()
    const members = annPage.getByRole('dialog', { name: /^Members of/ })
    await members.getByRole('listitem').filter({ hasText: ben.username }).getByText('online', { exact: true }).waitFor()
    await annPage.keyboard.press('Escape')
    await members.waitFor({ state: 'hidden' })
    for (const theme of ['light', 'dark']) {
      await setTheme(annPage, theme)
      assert.deepEqual(await axeViolations(annPage), [], `group room with receipts, ${theme}`)
      await screenshot(annPage, 'room-receipts')
    }
  })

  it('tells A "Seen" in the 1:1 under the newest message B read, and B sees A online in the header', async () => {
    await annPage.goto(`/c/${directId}`)
    await annPage.getByLabel('Message', { exact: true }).fill('Are you there?')
    await annPage.getByLabel('Message', { exact: true }).press('Enter')
    await row(benPage, ann.username).getByText('1 unread').waitFor()
    await row(benPage, ann.username).click()
    await bubble(benPage, 'Are you there?').waitFor()
    await benPage.locator('.room-title').getByText('online', { exact: true }).waitFor()
    await bubble(annPage, 'Are you there?').getByText('Seen', { exact: true }).waitFor()
    assert.deepEqual(await axeViolations(annPage), [], '1:1 room with "Seen"')
  })

  it('shows B no receipts after B turns them off, and the server sends A none of B\'s', async () => {
    await benPage.goto('/settings')
    const toggle = benPage.getByRole('switch', { name: 'Send read receipts' })
    assert.equal(await toggle.isChecked(), true)
    await toggle.uncheck()
    await benPage.waitForFunction(() => !document.querySelector('[role=switch]')?.disabled)
    assert.equal(await toggle.isChecked(), false)
    await benPage.reload()
    // The switch shows the default (on) until GET /me/ has answered: wait for the stored value, not the first paint.
    await benPage.waitForFunction(() => document.querySelector('[role=switch]')?.checked === false, null, { timeout: 5000 })
    assert.equal(await benPage.getByRole('switch', { name: 'Send read receipts' }).isChecked(), false, 'stored by the server')
    assert.deepEqual(await axeViolations(benPage), [], 'settings')

    // A reopens the 1:1: the room's ready frame now leaves B out, so "Seen" is gone.
    await annPage.evaluate(() => (window.__frames = []))
    await annPage.reload()
    const ready = await roomReady(annPage, directId)
    assert.deepEqual(ready.reads, [])
    await bubble(annPage, 'Are you there?').waitFor()
    assert.equal(await bubble(annPage, 'Are you there?').getByText('Seen').count(), 0)

    await benPage.getByRole('switch', { name: 'Send read receipts' }).check()
    await benPage.waitForFunction(() => document.querySelector('[role=switch]')?.checked && !document.querySelector('[role=switch]').disabled)
  })

  it('shows B that A went offline once A closes the page, with when A was last seen', async () => {
    await benPage.goto(`/c/${directId}`)
    await benPage.locator('.room-title').getByText('online', { exact: true }).waitFor()
    await annPage.close()
    await benPage.locator('.room-title').getByText(/^last seen (just now|1 min ago)$/).waitFor()
    assert.equal(await row(benPage, ann.username).locator('.presence-dot').count(), 0)
  })
})
