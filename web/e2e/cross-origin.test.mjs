// The web client hosted on another site than the API: built with VITE_API_BASE pointing at the app,
// served by a static server at http://localhost:<port>, while the app runs at http://127.0.0.1:<port>
// with that origin in ALLOWED_ORIGINS. localhost and 127.0.0.1 are different hosts, so this is
// cross-site, not only cross-origin: it proves CORS with credentials, the SameSite=None refresh
// cookie (a reload signs in again through it) and the socket's Origin check for a listed origin.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { launchBrowser, newContext, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'
import { buildClient, serveStatic } from './static-server.mjs'

let server
let client
let browser
let clientOrigin
const clientDir = mkdtempSync(path.join(tmpdir(), 'edge-chat-client-'))
const ann = uniqueUser('ann')
const bob = uniqueUser('bob')

before(async () => {
  client = await serveStatic(clientDir)
  clientOrigin = `http://localhost:${client.port}`
  ;[server, browser] = await Promise.all([startServer({ vars: { ALLOWED_ORIGINS: clientOrigin } }), launchBrowser()])
  buildClient(clientDir, server.baseUrl)
})
after(async () => {
  await browser?.close()
  await server?.stop()
  await client?.stop()
  rmSync(clientDir, { recursive: true, force: true })
})

async function send(page, text) {
  const input = page.getByLabel('Message', { exact: true })
  await input.fill(text)
  await input.press('Enter')
}

describe('a client on another site', () => {
  it('signs up, stays signed in across a reload through the refresh cookie, and chats live', async () => {
    const annContext = await newContext(browser, clientOrigin)
    const annPage = await annContext.newPage()
    const bobPage = await (await newContext(browser, clientOrigin)).newPage()
    const apiCalls = []
    annPage.on('request', (request) => apiCalls.push(new URL(request.url()).origin))

    await signUp(annPage, ann)
    await signUp(bobPage, bob)
    assert.ok(apiCalls.includes(server.baseUrl), 'the client called the API on its own origin')
    const [cookie] = (await annContext.cookies(server.baseUrl)).filter((c) => c.name === 'refresh_token')
    assert.equal(cookie?.sameSite, 'None')
    assert.equal(cookie?.secure, true)
    assert.equal(cookie?.httpOnly, true)

    const refreshed = annPage.waitForResponse((res) => res.url() === `${server.baseUrl}/refresh/`)
    await annPage.reload()
    assert.equal((await refreshed).status(), 200)
    await annPage.getByRole('heading', { name: `Welcome, ${ann.username}` }).waitFor()

    await annPage.goto('/new')
    await annPage.getByLabel('Find people by username').fill(bob.username)
    await annPage.getByRole('button', { name: `Message ${bob.username}` }).click()
    await annPage.waitForURL(/\/c\/\d+$/)
    assert.equal(new URL(annPage.url()).origin, clientOrigin)
    await send(annPage, 'Hello from another site')
    await annPage.locator('.message.own.is-sent', { hasText: 'Hello from another site' }).waitFor()

    await bobPage.goto(new URL(annPage.url()).pathname)
    await bobPage.locator('.message-list .bubble', { hasText: 'Hello from another site' }).waitFor()
    await send(bobPage, 'Hi Ann, over the socket')
    await annPage.locator('.message-list .bubble', { hasText: 'Hi Ann, over the socket' }).waitFor()
    const sockets = await annPage.evaluate(() => window.__sockets.map((ws) => ws.url))
    assert.ok(sockets.length > 0 && sockets.every((url) => url.startsWith(server.baseUrl.replace('http', 'ws'))), 'sockets go to the API origin')
  })
})
