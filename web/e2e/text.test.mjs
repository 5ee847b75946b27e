// Issue #9: user text that cannot reorder the page around it (bidi isolation), and one character count.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { apiToken, launchBrowser, newContext, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'

let server
let browser
const pages = {}
const ann = uniqueUser('ann')
// Right-to-left usernames the server accepts (letters and digits of any script), each right before
// app text in the chat list's "name: message" preview.
const sara = { ...uniqueUser('sara'), username: `سارة${randomFrom('ابتثجحخدذرزسشصضطظعغفقكلمنهوي', 5)}٣` }
const dani = { ...uniqueUser('dani'), username: `דני${randomFrom('אבגדהוזחטיכלמנסעפצקרשת', 5)}7` }
let groupId

function randomFrom(letters, count) {
  return Array.from({ length: count }, () => letters[Math.floor(Math.random() * letters.length)]).join('')
}

before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  for (const [key, user] of [['ann', ann], ['sara', sara], ['dani', dani]]) {
    pages[key] = await (await newContext(browser, server.baseUrl)).newPage()
    pages[key].on('dialog', () => assert.fail('the page opened a browser dialog'))
    await signUp(pages[key], user)
  }
  const token = await apiToken(server.baseUrl, ann)
  groupId = (await api('/chat/create/', token, { is_group: true, name: 'Bidi lab', visibility: 'public' })).chat_id
  for (const user of [sara, dani]) await api(`/chat/${groupId}/add/`, await apiToken(server.baseUrl, user))
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

async function api(path, token, body) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: server.baseUrl, Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

async function send(page, text) {
  const input = page.getByLabel('Message', { exact: true })
  await input.fill(text)
  await input.press('Enter')
}

/**
 * Where the characters of `container` are drawn, split at the last (or first) occurrence of
 * `appText`, the app's own words that follow a user string. Measured per code point with Ranges, so
 * the check does not depend on how the user string is wrapped (or not) in the DOM.
 */
function layoutAround(container, { appText, isFirst }) {
  return container.evaluate(
    (el, { appText, isFirst }) => {
      const chars = []
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.data.length; ) {
          const size = node.data.codePointAt(i) > 0xffff ? 2 : 1
          const range = document.createRange()
          range.setStart(node, i)
          range.setEnd(node, i + size)
          const box = range.getBoundingClientRect()
          chars.push({ char: node.data.slice(i, i + size), left: box.left, right: box.right, width: box.width })
          i += size
        }
      }
      const text = chars.map((c) => c.char).join('')
      const at = [...(isFirst ? text.slice(0, text.indexOf(appText)) : text.slice(0, text.lastIndexOf(appText)))].length
      const shows = (c) => c.width > 0 && c.char.trim() !== ''
      return {
        text,
        beforeRight: Math.max(...chars.slice(0, at).filter(shows).map((c) => c.right)),
        appLefts: chars.slice(at, at + [...appText].length).filter(shows).map((c) => c.left),
      }
    },
    { appText, isFirst },
  )
}

/** The app's words after a user string stay after it, left to right (the UI is left-to-right). */
async function assertNotReordered(container, appText, options = {}) {
  const { text, beforeRight, appLefts } = await layoutAround(container, { appText, ...options })
  assert.ok(appLefts.length > 0, `"${appText}" is shown in ${JSON.stringify(text)}`)
  assert.ok(appLefts[0] >= beforeRight - 0.5, `"${appText}" starts right of the user string in ${JSON.stringify(text)}: ${appLefts[0]} < ${beforeRight}`)
  for (let i = 1; i < appLefts.length; i++) assert.ok(appLefts[i] > appLefts[i - 1], `"${appText}" reads left to right in ${JSON.stringify(text)}: ${appLefts}`)
}

/** The element that holds exactly `shown` inside `container` is a bidi isolate (CSS Writing Modes 3 §2.2). */
async function assertIsolated(container, shown) {
  const found = await container.evaluate((el, shown) => {
    const holder = [el, ...el.querySelectorAll('*')].find((e) => e.textContent === shown)
    return holder ? getComputedStyle(holder).unicodeBidi : 'no element holds exactly this text'
  }, shown)
  assert.ok(['isolate', 'plaintext', 'isolate-override'].includes(found), `${JSON.stringify(shown)} is isolated: ${found}`)
}

describe('user text is isolated from the page around it', () => {
  // Group names stored before the server refused bidi controls in names (issue #9) still reach the
  // client; the server no longer stores new ones, so these rows put the name into the real
  // /chat/list/ response on its way to the page. `shown` is what the client renders (balanceBidi).
  const storedNames = [
    { case: 'RLO', name: 'Team\u202Eexe.pdf', shown: 'Team\u202Eexe.pdf' },
    { case: 'RLE', name: 'Team\u202Bexe.pdf', shown: 'Team\u202Bexe.pdf' },
    { case: 'RLI without PDI', name: 'Team\u2067exe.pdf', shown: 'Team\u2067exe.pdf\u2069' },
    { case: 'a stray PDI before an RLO', name: 'Team\u2069\u202Eexe.pdf', shown: 'Team\u202Eexe.pdf' },
    { case: 'a PARAGRAPH SEPARATOR before an RLO', name: 'Team\u2029\u202Eexe.pdf', shown: 'Team \u202Eexe.pdf' },
    { case: 'NEL before an RLO', name: 'Team\u0085\u202Eexe.pdf', shown: 'Team \u202Eexe.pdf' },
    { case: 'Hebrew then digits', name: 'צוות 7', shown: 'צוות 7' },
  ]

  it('keeps a group name with bidi controls inside its own span in the list, header, title and Leave confirmation', async () => {
    const page = pages.sara
    let storedName = ''
    await page.route(
      (url) => url.pathname === '/chat/list/',
      async (route) => {
        const response = await route.fetch()
        const body = await response.json()
        for (const chat of body.chats) if (chat.chat_id === groupId) chat.name = storedName
        await route.fulfill({ response, json: body })
      },
    )
    // The live channel pushes the chat's row again (e.g. after the room marks messages read): its
    // `chat` frames carry the stored name too, or the real one would replace it mid-check.
    await page.routeWebSocket(
      (url) => url.pathname === '/ws/me/',
      (ws) => {
        const server = ws.connectToServer()
        ws.onMessage((message) => server.send(message))
        server.onMessage((message) => {
          if (typeof message !== 'string') return ws.send(message)
          const frame = JSON.parse(message)
          if (frame.type === 'chat' && frame.chat?.chat_id === groupId) frame.chat.name = storedName
          ws.send(JSON.stringify(frame))
        })
      },
    )
    for (const row of storedNames) {
      storedName = row.name
      await page.goto(`/c/${groupId}`)
      const heading = page.locator('#room-title')
      await page.waitForFunction((shown) => document.getElementById('room-title')?.textContent === shown, row.shown)
      await assertIsolated(heading, row.shown)
      await assertIsolated(page.locator('.chat-row.active .chat-title'), row.shown)
      assert.match(await page.title(), /^\u2068.*\u2069 · Edge Chat$/su, `${row.case}: the tab title isolates the name`)

      await page.getByRole('button', { name: 'Members' }).click()
      const dialog = page.getByRole('dialog', { name: /^Members of/ })
      await assertIsolated(dialog.locator('h2'), row.shown)
      await dialog.getByRole('button', { name: 'Leave group' }).click()
      const question = dialog.locator('.member-actions span.small')
      await question.waitFor()
      await assertNotReordered(question, '?')
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'hidden' })
    }
    await page.unroute((url) => url.pathname === '/chat/list/')
  })

  // Texts the server stores as they are: messages keep bidi controls, usernames may be right-to-left.
  const messages = [
    { case: 'digits after an Arabic name', from: 'sara', text: '5 apples', shown: '5 apples' },
    { case: 'digits after a Hebrew name', from: 'dani', text: '12 pears', shown: '12 pears' },
    { case: 'RLO', from: 'sara', text: 'report\u202Eexe.pdf', shown: 'report\u202Eexe.pdf' },
    { case: 'RLI without PDI', from: 'dani', text: '\u2067 unbalanced 42', shown: '\u2067 unbalanced 42\u2069' },
    { case: 'a stray PDI before an RLO', from: 'sara', text: 'x\u2069\u202Eabc', shown: 'x\u202Eabc' },
    { case: 'Arabic with a number', from: 'dani', text: 'مرحبا 2024!', shown: 'مرحبا 2024!' },
  ]

  it('shows names and messages with bidi content isolated in bubbles, previews and the typing line', async () => {
    const reader = pages.ann
    for (const page of [reader, pages.sara, pages.dani]) {
      await page.goto(`/c/${groupId}`)
      // Typing is only announced over an open socket.
      await page.locator('.connection-banner[data-status="open"]').waitFor({ state: 'attached' })
    }
    for (const row of messages) {
      const sender = row.from === 'sara' ? sara : dani
      await pages[row.from].getByLabel('Message', { exact: true }).fill('typing')
      const typing = reader.locator('.room-title p')
      await typing.getByText('is typing…').waitFor()
      await assertNotReordered(typing, ' is typing…')
      await assertIsolated(typing, sender.username)
      await send(pages[row.from], row.text)

      const bubble = reader.locator('.message .bubble-text').filter({ hasText: row.text }).last()
      await bubble.waitFor()
      assert.equal(await bubble.getAttribute('dir'), 'auto', `${row.case}: the bubble takes its own direction`)
      assert.equal(await bubble.evaluate((el) => getComputedStyle(el).unicodeBidi), 'plaintext', `${row.case}: each line of the bubble takes its own direction`)

      const preview = reader.locator('.chat-row', { hasText: 'Bidi lab' }).locator('.chat-preview')
      await reader.waitForFunction(({ shown }) => [...document.querySelectorAll('.chat-row .chat-preview')].some((el) => el.textContent.endsWith(shown)), row)
      await assertIsolated(preview, sender.username)
      await assertIsolated(preview, row.shown)
      await assertNotReordered(preview, ': ', { isFirst: true })
    }
    await assertIsolated(reader.locator('.message .sender').first(), sara.username)
  })
})

describe('one character count: code points, as the server counts', () => {
  const composer = (page) => page.getByLabel('Message', { exact: true })
  const sendButton = (page) => page.getByRole('button', { name: 'Send', exact: true })
  const hint = (page) => page.locator('#composer-hint')
  /** Bubbles whose whole text is exactly `text`. */
  const countBubbles = (page, text) => page.locator('.message-list .bubble').evaluateAll((els, text) => els.filter((el) => el.textContent === text).length, text)

  // One character per UTF-8 length (1 to 4 bytes); the emoji and 𠮷 are two UTF-16 units each.
  const encodings = [
    ['ASCII', 'a'],
    ['Latin-1', 'é'],
    ['CJK', '汉'],
    ['emoji', '😀'],
    ['astral CJK', '𠮷'],
  ]

  it('counts the composer in code points: 4,000 of any character can be sent, 4,001 is 1 over', async () => {
    const page = pages.ann
    await page.goto(`/c/${groupId}`)
    await page.locator('.connection-banner[data-status="open"]').waitFor({ state: 'attached' })
    for (const [name, char] of encodings) {
      await composer(page).fill(char.repeat(4001))
      assert.equal(await hint(page).textContent(), '1 character over the limit', `${name}: one past the limit`)
      assert.equal(await sendButton(page).isDisabled(), true, `${name}: Send is disabled one past the limit`)
      await composer(page).fill(char.repeat(4000))
      assert.equal(await hint(page).textContent(), '0 characters left', `${name}: exactly the limit`)
      assert.equal(await sendButton(page).isEnabled(), true, `${name}: Send is enabled at the limit`)
    }
    await composer(page).fill('😀'.repeat(2001))
    assert.equal(await sendButton(page).isEnabled(), true, '2,001 emoji can be sent')
    assert.doesNotMatch(await hint(page).textContent(), /over the limit/)
    await composer(page).fill('\u200B\u3164 \n')
    assert.equal(await sendButton(page).isDisabled(), true, 'nothing visible cannot be sent')
  })

  it('stores a message of exactly 4,000 emoji once and shows it once after a reload', async () => {
    const page = pages.ann
    const text = '😀'.repeat(3999) + '🎉'
    await composer(page).fill(text)
    await sendButton(page).click()
    await page.locator('.message.own.is-sent .bubble', { hasText: '🎉' }).waitFor()
    assert.equal(await countBubbles(page, text), 1)
    await page.reload()
    await page.locator('.message-list .bubble', { hasText: '🎉' }).first().waitFor()
    assert.equal(await countBubbles(page, text), 1, 'stored once (loaded from history)')
  })

  it('creates a group named with 100 emoji and refuses 101 with a clear message', async () => {
    const page = pages.ann
    for (const [count, isAccepted] of [
      [101, false],
      [100, true],
    ]) {
      const name = '🚀'.repeat(count - 1) + '🌙'
      await page.goto('/new')
      await page.getByLabel('Group name').fill(name)
      assert.equal(await page.getByLabel('Group name').inputValue(), name, `${count} emoji: the field keeps every one`)
      await page.getByRole('button', { name: 'Create group' }).click()
      if (isAccepted) {
        await page.waitForURL(/\/c\/\d+$/)
        await page.waitForFunction((name) => document.getElementById('room-title')?.textContent === name, name)
      } else {
        const alert = page.getByRole('alert')
        await alert.waitFor()
        assert.equal(await alert.textContent(), 'Group name must be at most 100 characters (it has 101).')
        assert.equal(new URL(page.url()).pathname, '/new')
      }
    }
  })

  it('signs up with a 32-character astral username and a 100-emoji password, neither cut short', async () => {
    const page = await (await newContext(browser, server.baseUrl)).newPage()
    const base = uniqueUser('kichi')
    const user = { ...base, username: '𠮷'.repeat(27) + base.username.slice(-5), password: '🔑'.repeat(100) }
    await page.goto('/signup')
    await page.getByLabel('Username').fill('𠮷'.repeat(28) + base.username.slice(-5))
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Create account' }).click()
    assert.equal(await page.getByRole('alert').textContent(), 'Username must be at most 32 characters (it has 33).')

    await page.getByLabel('Username').fill(user.username)
    assert.equal(await page.getByLabel('Username').inputValue(), user.username)
    assert.equal(await page.getByLabel('Password').inputValue(), user.password)
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.getByRole('heading', { name: `Welcome, ${user.username}` }).waitFor()

    // Signing in again proves the whole password was stored, not its first 64 emoji.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: `Welcome, ${user.username}` }).waitFor()
    await page.context().close()
  })
})

// Against the real workerd, which a test inside workerd cannot reach with raw bytes: it decodes a text
// frame's malformed UTF-8 to U+FFFD itself (no 1007 close), so the room refuses the U+FFFD it finds.
describe('malformed UTF-8 in a socket text frame', () => {
  it('answers an invalid_request error frame, keeps the socket open and stores nothing', async () => {
    const token = await apiToken(server.baseUrl, ann)
    const url = `${server.baseUrl.replace(/^http/, 'ws')}/ws/chat/${groupId}/?token=${token}`
    const ws = new WebSocket(url, ['edge-chat.v1'], { origin: server.baseUrl })
    const frames = []
    const waiters = []
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data))
      frames.push(frame)
      for (const waiter of waiters.splice(0)) waiter()
    })
    const next = (predicate) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no frame matched; got ${JSON.stringify(frames)}`)), 10_000)
        const check = () => {
          const found = frames.find(predicate)
          if (found) {
            clearTimeout(timer)
            resolve(found)
          } else waiters.push(check)
        }
        check()
      })
    await next((f) => f.type === 'ready')
    const bytes = Buffer.concat([Buffer.from('{"type":"send","client_id":"bad-utf8","text":"ab'), Buffer.from([0xff, 0xfe]), Buffer.from('cd"}')])
    ws.send(bytes, { binary: false })
    const error = await next((f) => f.type === 'error')
    assert.equal(error.code, 'invalid_request')
    assert.equal(error.client_id, 'bad-utf8')
    ws.send(JSON.stringify({ type: 'ping' }))
    await next((f) => f.type === 'pong')
    assert.equal(ws.readyState, WebSocket.OPEN)
    ws.close(1000)
    const res = await fetch(`${server.baseUrl}/chat/${groupId}/history/`, { headers: { Authorization: `Bearer ${token}` } })
    const { messages } = await res.json()
    assert.ok(messages.every((m) => m.client_id !== 'bad-utf8'))
  })
})
