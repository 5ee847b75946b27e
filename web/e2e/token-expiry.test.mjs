import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { launchBrowser, newContext, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'

// Ann's page runs on Playwright's fake clock, so her 15-minute access token reaches its refresh
// moment and its expiry in an instant (fastForward: timers due meanwhile fire late, at most once,
// like a laptop waking up). The server keeps real time, so it would still accept the old token:
// what is checked is that the page itself never upgrades with a token it knows to be expired.

let server
let browser
const ann = uniqueUser('ann')
const bob = uniqueUser('bob')
let annContext
let annPage
let bobPage

/**
 * What Ann's page did with tokens, in order: `issued` (a /login/ or /refresh/ answer arrived) and
 * `upgrade` (a socket was opened, `room` or her live `channel`; its token is the URL's). A token is compared by its place in this log, not its text: two
 * tokens minted in the same second for the same session are byte-identical JWTs.
 */
const log = []
let refreshFailures = 0
const refused = []

before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  annContext = await newContext(browser, server.baseUrl)
  await annContext.clock.install()
  annPage = await annContext.newPage()
  annPage.on('response', (res) => {
    const path = new URL(res.url()).pathname
    if (res.status() === 401) refused.push(path)
    if ((path !== '/login/' && path !== '/refresh/') || !res.ok()) return
    log.push({ kind: 'issued', token: res.json().then((body) => body.access_token) })
  })
  annPage.on('requestfailed', (req) => new URL(req.url()).pathname === '/refresh/' && refreshFailures++)
  annPage.on('websocket', (ws) => {
    const url = new URL(ws.url())
    log.push({ kind: 'upgrade', socket: url.pathname.startsWith('/ws/me/') ? 'channel' : 'room', token: url.searchParams.get('token') })
  })
  bobPage = await (await newContext(browser, server.baseUrl)).newPage()
  await signUp(annPage, ann)
  await signUp(bobPage, bob)
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

const banner = (page, status) => page.locator(`.connection-banner[data-status="${status}"]`)

async function setOnline(isOnline) {
  await annContext.setOffline(!isOnline)
  // Chromium's offline emulation does not always fire the window events; the app listens to them.
  await annPage.evaluate((online) => window.dispatchEvent(new Event(online ? 'online' : 'offline')), isOnline)
}

describe('the room socket across an access token expiry', () => {
  it('reconnects by itself after being offline across the refresh moment, with a refreshed token only', async () => {
    await annPage.goto('/new')
    await annPage.getByLabel('Find people by username').fill(bob.username)
    await annPage.getByRole('button', { name: `Message ${bob.username}` }).click()
    await annPage.waitForURL(/\/c\/\d+$/)
    const chatPath = new URL(annPage.url()).pathname
    await banner(annPage, 'open').waitFor({ state: 'attached' })
    // The page load after sign-up restored the session with a refresh; both sockets used that token.
    const sinceIssued = log.slice(log.findLastIndex((e) => e.kind === 'issued'))
    assert.deepEqual(sinceIssued.map((e) => e.socket ?? e.kind).sort(), ['channel', 'issued', 'room'])
    for (const upgrade of sinceIssued.slice(1)) assert.equal(upgrade.token, await sinceIssued[0].token)

    await setOnline(false)
    await banner(annPage, 'offline').waitFor({ state: 'attached' })
    const logBefore = log.length
    const failedBefore = refreshFailures
    const earlyRefreshFailed = annPage.waitForEvent('requestfailed', (req) => new URL(req.url()).pathname === '/refresh/')
    await annPage.clock.fastForward('14:30')
    await earlyRefreshFailed
    await annPage.clock.fastForward('02:00')
    assert.ok(refreshFailures > failedBefore, 'the early refresh ran while offline and failed')
    assert.equal(log.length, logBefore, 'no token issued and no upgrade tried while offline')

    const refusedBefore = refused.length
    await setOnline(true)
    await banner(annPage, 'open').waitFor({ state: 'attached' })
    await annPage.waitForFunction(() => window.__sockets.filter((ws) => ws.readyState === 1).length === 2)
    const after = log.slice(logBefore)
    assert.deepEqual(after.map((e) => e.kind), ['issued', 'upgrade', 'upgrade'], 'one shared refresh first; never the expired token')
    assert.deepEqual(after.slice(1).map((e) => e.socket).sort(), ['channel', 'room'], 'each socket upgraded once')
    for (const upgrade of after.slice(1)) assert.equal(upgrade.token, await after[0].token, `the ${upgrade.socket} came back with the refreshed token`)
    assert.deepEqual(refused.slice(refusedBefore), [], 'no request met a 401')

    await bobPage.goto(chatPath)
    const input = bobPage.getByLabel('Message', { exact: true })
    await input.fill('arrives after the token expired')
    await input.press('Enter')
    await annPage.locator('.message-list .bubble', { hasText: 'arrives after the token expired' }).waitFor()
  })

  it('goes to sign-in, and stops reconnecting, when the refresh cookie is refused at expiry', async () => {
    await annContext.clearCookies()
    const logBefore = log.length
    const refusedBefore = refused.length
    await annPage.clock.fastForward('16:00')
    await annPage.waitForURL(/\/signin/)
    await annPage.getByText('Your session has ended. Please sign in again.').waitFor()
    assert.deepEqual(refused.slice(refusedBefore), ['/refresh/'])
    await annPage.clock.fastForward('01:00')
    assert.deepEqual(log.slice(logBefore), [], 'no token and no upgrade after the refusal')
  })
})
