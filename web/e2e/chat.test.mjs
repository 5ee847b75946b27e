import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { apiToken, axeViolations, launchBrowser, newContext, screenshot, setTheme, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'

let server
let browser
const ann = uniqueUser('ann')
const bob = uniqueUser('bob')
let annPage
let bobPage
let annContext
let directPath
let groupPath

before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  annContext = await newContext(browser, server.baseUrl)
  annPage = await annContext.newPage()
  bobPage = await (await newContext(browser, server.baseUrl)).newPage()
  for (const page of [annPage, bobPage]) page.on('dialog', () => assert.fail('a message opened a browser dialog'))
  await signUp(annPage, ann)
  await signUp(bobPage, bob)
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

const messageList = (page) => page.locator('.message-list')
const bubble = (page, text) => messageList(page).locator('.bubble', { hasText: text })

async function send(page, text) {
  const input = page.getByLabel('Message', { exact: true })
  await input.fill(text)
  await input.press('Enter')
}

/** The message texts shown, in order, once every pending one is confirmed. */
async function shownTexts(page) {
  await page.locator('.message.is-pending').first().waitFor({ state: 'detached' })
  return messageList(page).locator('.bubble').allTextContents()
}

describe('chatting in the browser', () => {
  it('starts a 1:1 chat by search, and both people see each other live', async () => {
    await annPage.goto('/new')
    await annPage.getByLabel('Find people by username').fill(bob.username)
    await annPage.getByRole('button', { name: `Message ${bob.username}` }).click()
    await annPage.waitForURL(/\/c\/\d+$/)
    directPath = new URL(annPage.url()).pathname
    await annPage.getByRole('heading', { level: 1, name: bob.username }).waitFor()
    await send(annPage, 'Hello Bob')
    await annPage.locator('.message.own.is-sent', { hasText: 'Hello Bob' }).waitFor()

    await bobPage.goto('/')
    const row = bobPage.getByRole('link', { name: new RegExp(ann.username) })
    await row.getByText('1 unread').waitFor()
    await row.click()
    await bubble(bobPage, 'Hello Bob').waitFor()
    assert.equal(await bobPage.locator('.message', { hasText: 'Hello Bob' }).getAttribute('class'), 'message is-sent')

    await send(bobPage, 'Hi Ann!\nHow are you?')
    await bubble(annPage, 'How are you?').waitFor()
    assert.equal(await bubble(annPage, 'How are you?').textContent(), 'Hi Ann!\nHow are you?')
    await bubble(bobPage, 'Hello Bob').waitFor()
  })

  it('keeps Shift+Enter as a new line, shows who is typing, and shows the character limit near it', async () => {
    const input = bobPage.getByLabel('Message', { exact: true })
    await input.fill('line one')
    await input.press('Shift+Enter')
    await input.type('line two')
    assert.equal(await input.inputValue(), 'line one\nline two')
    await annPage.getByText(`${bob.username} is typing…`).waitFor()
    await input.fill('x'.repeat(3_900))
    await bobPage.getByText('100 characters left').waitFor()
    await input.fill('x'.repeat(4_010))
    await bobPage.getByText('10 characters over the limit').waitFor()
    assert.equal(await bobPage.getByRole('button', { name: 'Send' }).isDisabled(), true)
    await input.fill('')
  })

  it('renders an XSS payload as inert text', async () => {
    const payload = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    await send(annPage, payload)
    await bubble(bobPage, '<img src=x').waitFor()
    assert.equal(await bubble(bobPage, '<img src=x').textContent(), payload)
    assert.equal(await messageList(bobPage).locator('img, script').count(), 0)
  })

  it('loses and doubles nothing across a dropped connection, both ways', async () => {
    await annContext.setOffline(true)
    await annPage.evaluate(() => window.dispatchEvent(new Event('offline')))
    await annPage.evaluate(() => window.__sockets.forEach((ws) => ws.close()))
    await annPage.locator('.connection-banner:not(:empty)').waitFor()
    await send(annPage, 'written while offline')
    for (const n of [1, 2, 3]) await send(bobPage, `missed ${n}`)
    await bobPage.locator('.message.own.is-sent', { hasText: 'missed 3' }).waitFor()

    await annContext.setOffline(false)
    await bubble(annPage, 'missed 3').waitFor()
    await annPage.locator('.connection-banner[data-status="open"]').waitFor({ state: 'attached' })
    await bubble(bobPage, 'written while offline').waitFor()

    const annTexts = await shownTexts(annPage)
    const bobTexts = await shownTexts(bobPage)
    for (const text of ['missed 1', 'missed 2', 'missed 3', 'written while offline']) {
      assert.equal(annTexts.filter((t) => t === text).length, 1, `ann sees "${text}" once`)
      assert.equal(bobTexts.filter((t) => t === text).length, 1, `bob sees "${text}" once`)
    }
    const order = ['missed 1', 'missed 2', 'missed 3'].map((t) => annTexts.indexOf(t))
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'in the order they were sent')
    await bobPage.reload()
    await bubble(bobPage, 'written while offline').waitFor()
    assert.deepEqual(await shownTexts(bobPage), bobTexts, 'after a reload the history matches what was shown live')
  })

  it('creates a public group that another user finds in explore, joins and uses', async () => {
    const name = `Group ${Date.now().toString(36)}`
    await annPage.goto('/new')
    await annPage.getByLabel('Group name').fill(name)
    await annPage.getByRole('button', { name: 'Create group' }).click()
    await annPage.getByRole('heading', { level: 1, name }).waitFor()
    groupPath = new URL(annPage.url()).pathname

    await bobPage.goto('/explore')
    await bobPage.getByRole('button', { name: `Join ${name}` }).click()
    await bobPage.getByRole('heading', { level: 1, name }).waitFor()
    await send(bobPage, 'Bob joined the group')
    await bubble(annPage, 'Bob joined the group').waitFor()
    await annPage.locator('.sender', { hasText: bob.username }).first().waitFor()
    await send(annPage, 'Welcome Bob')
    await bubble(bobPage, 'Welcome Bob').waitFor()
  })

  it('lets a group owner add people from a dialog that Escape closes', async () => {
    const carol = uniqueUser('carol')
    const carolPage = await (await newContext(browser, server.baseUrl)).newPage()
    await signUp(carolPage, carol)
    await annPage.getByRole('button', { name: 'Members' }).click()
    const members = annPage.getByRole('dialog', { name: /^Members of/ })
    await members.getByRole('button', { name: 'Add people' }).click()
    const dialog = annPage.getByRole('dialog', { name: /^Add people/ })
    await dialog.getByLabel('Find people by username').fill(carol.username)
    await dialog.getByRole('button', { name: `Add ${carol.username}` }).click()
    await dialog.getByText(`${carol.username} was added.`).waitFor()
    assert.deepEqual(await axeViolations(annPage), [], 'add-people dialog')
    await annPage.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    await members.getByRole('listitem').filter({ hasText: carol.username }).waitFor()
    await annPage.keyboard.press('Escape')
    await members.waitFor({ state: 'hidden' })
    await carolPage.goto('/')
    await carolPage.getByRole('link', { name: /Group / }).click()
    await bubble(carolPage, 'Welcome Bob').waitFor()
    await carolPage.context().close()
  })

  it('tells a non-member plainly that the chat is not theirs, and an unknown chat that it does not exist', async () => {
    const eve = uniqueUser('eve')
    const evePage = await (await newContext(browser, server.baseUrl)).newPage()
    await signUp(evePage, eve)
    await evePage.goto(directPath)
    assert.match(await evePage.getByRole('alert').textContent(), /not a member/)
    await evePage.goto('/c/987654321')
    assert.match(await evePage.getByRole('alert').textContent(), /doesn't exist/)
    await evePage.context().close()
  })

  it('loads older pages when scrolling up, keeping every message once and in order', async () => {
    const chatId = Number(groupPath.split('/').pop())
    const token = await apiToken(server.baseUrl, bob)
    for (let n = 1; n <= 70; n++) {
      const res = await fetch(`${server.baseUrl}/chat/${chatId}/send/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ message: `bulk ${n}` }),
      })
      assert.equal(res.status < 300, true, `send ${n}: ${res.status}`)
    }
    await annPage.goto(groupPath)
    await bubble(annPage, 'bulk 70').waitFor()
    assert.equal(await bubble(annPage, 'Welcome Bob').count(), 0, 'only the newest page at first')
    await annPage.locator('.messages').evaluate((el) => (el.scrollTop = 0))
    await bubble(annPage, 'Welcome Bob').waitFor()
    const texts = await messageList(annPage).locator('.bubble').allTextContents()
    const bulk = texts.filter((t) => t.startsWith('bulk '))
    assert.deepEqual(bulk, Array.from({ length: 70 }, (_, i) => `bulk ${i + 1}`))
    await annPage.getByRole('button', { name: 'Load older messages' }).waitFor({ state: 'detached' })
  })

  it('keeps the dark theme choice across a reload, applied before first paint', async () => {
    await annPage.goto(directPath)
    await setTheme(annPage, 'light')
    await setTheme(annPage, 'dark')
    await annPage.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (!document.body) return
        window.__themeAtBody = document.documentElement.dataset.theme
        observer.disconnect()
      }).observe(document, { childList: true, subtree: true })
    })
    await annPage.reload()
    await bubble(annPage, 'Hello Bob').waitFor()
    assert.equal(await annPage.evaluate(() => window.__themeAtBody), 'dark')
    assert.equal(await annPage.getByRole('button', { name: 'Dark mode' }).getAttribute('aria-pressed'), 'true')
  })

  it('has no serious accessibility violations on any signed-in screen, light and dark', async () => {
    const screens = [
      ['chats', '/', (p) => p.getByRole('heading', { name: /Welcome/ })],
      ['room', directPath, (p) => bubble(p, 'Hello Bob')],
      ['new-chat', '/new', (p) => p.getByRole('heading', { name: 'Create a group' })],
      ['explore', '/explore', (p) => p.getByRole('heading', { name: 'Explore groups' })],
      ['sessions', '/settings/sessions', (p) => p.getByText('This browser')],
    ]
    for (const [name, path, ready] of screens) {
      for (const theme of ['light', 'dark']) {
        await annPage.goto(path)
        await ready(annPage).first().waitFor()
        await setTheme(annPage, theme)
        assert.deepEqual(await axeViolations(annPage), [], `${name} in ${theme}`)
        await screenshot(annPage, name)
      }
    }
  })

  it('fits a 360 px wide phone: the room alone, with a way back to the list', async () => {
    await annPage.setViewportSize({ width: 360, height: 740 })
    await annPage.goto(directPath)
    await bubble(annPage, 'Hello Bob').waitFor()
    assert.equal(await annPage.locator('.sidebar').isVisible(), false)
    const scrollWidth = await annPage.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(scrollWidth <= 360, `no horizontal scroll (scrollWidth ${scrollWidth})`)
    assert.deepEqual(await axeViolations(annPage), [], 'room on a phone')
    await screenshot(annPage, 'room-phone')
    await annPage.getByRole('link', { name: 'Back to chats' }).click()
    await annPage.getByRole('link', { name: new RegExp(`^${bob.username}`) }).waitFor()
    await screenshot(annPage, 'chats-phone')
  })
})
