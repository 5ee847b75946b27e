import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { apiLogin, axeViolations, launchBrowser, newContext, screenshot, setTheme, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'

let server
let browser
const ann = uniqueUser('ann')
const bob = uniqueUser('bob')
let annPage
let bobPage
let roomPath
const ORIGINAL = 'The original question'

async function api(auth, method, path, body) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', Origin: server.baseUrl, Authorization: `Bearer ${auth.token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`)
  return res.json()
}

before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  annPage = await (await newContext(browser, server.baseUrl)).newPage()
  bobPage = await (await newContext(browser, server.baseUrl)).newPage()
  for (const page of [annPage, bobPage]) page.on('dialog', () => assert.fail('the page opened a browser dialog'))
  await signUp(annPage, ann)
  await signUp(bobPage, bob)

  // Ann's question, then more than a history page (50) of chatter, then Bob's reply to the question:
  // opening the room shows the reply but not the original.
  const [annApi, bobApi] = [await apiLogin(server.baseUrl, ann), await apiLogin(server.baseUrl, bob)]
  const { chat_id: chatId } = await api(annApi, 'POST', '/chat/private/', { user_id: bobApi.userid })
  roomPath = `/c/${chatId}`
  const { message: original } = await api(annApi, 'POST', `/chat/${chatId}/send/`, { message: `${ORIGINAL}\nwith a second line` })
  for (let i = 1; i <= 55; i++) await api(annApi, 'POST', `/chat/${chatId}/send/`, { message: `filler ${i}` })
  await api(bobApi, 'POST', `/chat/${chatId}/send/`, { message: 'My answer to that', reply_to: original.seq })
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

const message = (page, text) => page.locator('.message-list .message', { has: page.locator('.bubble-text', { hasText: text }) })

/** The composer's text becomes `value` (it follows the edit state a render later). */
const composerHolds = (page, value) => page.waitForFunction((v) => document.getElementById('composer-input')?.value === v, value)

async function openActions(page, text) {
  // A menu an earlier step left open covers its neighbours' buttons (seen in CI): close it first.
  const open = page.getByRole('menu')
  if ((await open.count()) > 0) {
    await open.first().press('Escape')
    await open.first().waitFor({ state: 'detached' })
  }
  const item = message(page, text)
  await item.hover()
  await item.getByRole('button', { name: /^Actions for/ }).click()
  return page.getByRole('menu')
}

describe('message actions in the browser', () => {
  it('a quoted reply jumps to its original, loading the older page it is on', async () => {
    await annPage.goto(roomPath)
    const quote = annPage.getByRole('button', { name: /^Reply to .*The original question.*Show the original$/ })
    await quote.waitFor()
    assert.equal(await message(annPage, ORIGINAL).count(), 0, 'the original is on an older page')
    await quote.click()
    const original = annPage.locator('.message.is-highlighted', { hasText: ORIGINAL })
    await original.waitFor()
    await annPage.waitForFunction(() => document.activeElement?.classList.contains('is-highlighted'))
    await message(annPage, 'filler 1').first().waitFor()
  })

  it('shows an edit, a reply and a reaction live to the other person', async () => {
    await bobPage.goto(roomPath)
    await message(bobPage, 'filler 55').waitFor()

    // Ann edits her last message with the Up arrow from an empty composer.
    const input = annPage.getByLabel('Message', { exact: true })
    await input.focus()
    await input.press('ArrowUp')
    await composerHolds(annPage, 'filler 55')
    await input.fill('filler 55, corrected')
    await input.press('Enter')
    await message(bobPage, 'filler 55, corrected').getByText('edited').waitFor()
    await message(annPage, 'filler 55, corrected').getByText('edited').waitFor()

    // Escape cancels an edit started from the menu, leaving the message as it was.
    await (await openActions(annPage, 'filler 54')).getByRole('menuitem', { name: 'Edit' }).click()
    await composerHolds(annPage, 'filler 54')
    await input.press('Escape')
    await composerHolds(annPage, '')
    await message(annPage, 'filler 54').waitFor()

    // Bob reacts from the keyboard: the actions button, the menu, the picker.
    const target = message(bobPage, 'filler 55, corrected')
    await target.hover()
    await target.getByRole('button', { name: /^Actions for/ }).focus()
    await bobPage.keyboard.press('Enter')
    await bobPage.waitForFunction(() => document.activeElement?.getAttribute('role') === 'menuitem')
    await bobPage.keyboard.press('ArrowDown')
    assert.equal(await bobPage.evaluate(() => document.activeElement?.textContent), 'React')
    await bobPage.keyboard.press('Enter')
    await bobPage.getByRole('button', { name: 'React with 👍' }).press('Enter')
    const annChip = message(annPage, 'filler 55, corrected').getByRole('button', { name: `👍 1: ${bob.username}` })
    await annChip.waitFor()
    assert.equal(await annChip.getAttribute('aria-pressed'), 'false')
    const bobChip = message(bobPage, 'filler 55, corrected').getByRole('button', { name: '👍 1: you' })
    await bobChip.waitFor()
    assert.equal(await bobChip.getAttribute('aria-pressed'), 'true', 'own reaction highlighted')
    // Ann adds hers by the chip: both see 2.
    await annChip.click()
    await message(bobPage, 'filler 55, corrected').getByRole('button', { name: `👍 2: you, ${ann.username}` }).waitFor()

    // Bob replies from the menu; the preview sits above the composer until sent.
    await (await openActions(bobPage, 'filler 53')).getByRole('menuitem', { name: 'Reply' }).click()
    await bobPage.locator('.composer-context', { hasText: 'Replying to' }).waitFor()
    await bobPage.getByLabel('Message', { exact: true }).fill('Replying live')
    await bobPage.getByLabel('Message', { exact: true }).press('Enter')
    await message(annPage, 'Replying live').getByRole('button', { name: /^Reply to .*filler 53.*Show the original$/ }).waitFor()
    assert.equal(await bobPage.locator('.composer-context').count(), 0)
  })

  it('deletes a message for everyone, after asking', async () => {
    await (await openActions(annPage, 'filler 52')).getByRole('menuitem', { name: 'Delete' }).click()
    await annPage.getByRole('button', { name: 'Yes, delete' }).click()
    await bobPage.locator('.message .placeholder', { hasText: 'Message deleted' }).waitFor()
    assert.equal(await message(bobPage, 'filler 52').count(), 0)
    // Bob cannot delete Ann's messages in a 1:1, so his menu offers Reply and React only.
    const items = await (await openActions(bobPage, 'filler 51')).getByRole('menuitem').allTextContents()
    assert.deepEqual(items, ['Reply', 'React'])
    await bobPage.keyboard.press('Escape')
  })

  it('makes http(s) links clickable and nothing else', async () => {
    const input = annPage.getByLabel('Message', { exact: true })
    await input.fill('Read https://example.com/a_(b). Not javascript:alert(1) or data:text/html,x')
    await input.press('Enter')
    const bubble = message(bobPage, 'Read https://example.com').locator('.bubble-text')
    await bubble.waitFor()
    const links = await bubble.locator('a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent, a.target, a.rel]))
    assert.deepEqual(links, [['https://example.com/a_(b)', 'https://example.com/a_(b)', '_blank', 'noopener noreferrer nofollow']])
  })

  it('has no serious accessibility problems, light and dark', async () => {
    for (const theme of ['light', 'dark']) {
      await setTheme(bobPage, theme)
      assert.deepEqual(await axeViolations(bobPage), [], `room with replies, reactions, edits, ${theme}`)
      await screenshot(bobPage, 'room-actions')
      const menu = await openActions(bobPage, 'filler 50')
      await menu.waitFor()
      assert.deepEqual(await axeViolations(bobPage), [], `actions menu open, ${theme}`)
      await bobPage.keyboard.press('Escape')
      await menu.waitFor({ state: 'detached' })
    }
  })
})
