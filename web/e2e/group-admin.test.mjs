import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { axeViolations, launchBrowser, newContext, screenshot, setTheme, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'

let server
let browser
const olga = uniqueUser('olga')
const ivan = uniqueUser('ivan')
const sara = uniqueUser('sara')
const pages = {}
const name = `Crew ${Date.now().toString(36)}`
let groupPath
let inviteUrl

before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  for (const [key, user] of [['olga', olga], ['ivan', ivan], ['sara', sara]]) {
    pages[key] = await (await newContext(browser, server.baseUrl)).newPage()
    pages[key].on('dialog', () => assert.fail('the page opened a browser dialog'))
    if (key !== 'sara') await signUp(pages[key], user)
  }
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

const settingsDialog = (page) => page.getByRole('dialog', { name: 'Group settings' })
const composer = (page) => page.getByLabel('Message', { exact: true })

async function openSettings(page) {
  await page.getByRole('button', { name: 'Settings' }).click()
  await settingsDialog(page).waitFor()
  return settingsDialog(page)
}

describe('group settings and invite links', () => {
  it('the owner renames the group and creates an invite link; the rename shows as a system message', async () => {
    const { olga: owner } = pages
    await owner.goto('/new')
    await owner.getByLabel('Group name').fill(name)
    await owner.getByLabel(/Private: only people/).check()
    await owner.getByRole('button', { name: 'Create group' }).click()
    await owner.getByRole('heading', { level: 1, name }).waitFor()
    groupPath = new URL(owner.url()).pathname

    const settings = await openSettings(owner)
    await settings.getByLabel('Group name').fill(`${name}!`)
    await settings.getByRole('button', { name: 'Save' }).click()
    await settings.getByText('Saved.').waitFor()
    await owner.getByRole('heading', { level: 1, name: `${name}!` }).waitFor()

    await settings.getByLabel('Uses').selectOption({ label: '10 uses' })
    await settings.getByRole('button', { name: 'Create invite link' }).click()
    const link = settings.getByLabel('New invite link')
    await link.waitFor()
    inviteUrl = await link.inputValue()
    assert.match(new URL(inviteUrl).pathname, /^\/join\/[A-Za-z0-9_-]{43}$/)
    await settings.getByText(/used 0 of 10/).waitFor()

    for (const theme of ['light', 'dark']) {
      await owner.keyboard.press('Escape')
      await setTheme(owner, theme)
      await openSettings(owner)
      await settingsDialog(owner).getByText(/used 0 of 10/).waitFor()
      assert.deepEqual(await axeViolations(owner), [], `settings panel, ${theme}`)
      await screenshot(owner, 'group-settings')
    }
    await owner.keyboard.press('Escape')
    await owner.locator('.system-message', { hasText: `You renamed the group to ${name}!` }).waitFor()
  })

  it('an invite link joins a signed-in user and lands them in the room', async () => {
    const { ivan: page, olga: owner } = pages
    await owner.goto(groupPath)
    await page.goto(new URL(inviteUrl).pathname)
    await page.waitForURL((url) => url.pathname === groupPath)
    await page.getByRole('heading', { level: 1, name: `${name}!` }).waitFor()
    await owner.locator('.system-message', { hasText: `${ivan.username} joined` }).waitFor()
    await composer(page).fill('Thanks for the invite')
    await composer(page).press('Enter')
    await owner.locator('.bubble-text', { hasText: 'Thanks for the invite' }).waitFor()
  })

  it('a signed-out visitor signs in first, then joins', async () => {
    const { sara: page } = pages
    await page.goto('/signup')
    await page.goto(new URL(inviteUrl).pathname)
    await page.waitForURL((url) => url.pathname === '/signin')
    assert.equal(new URL(page.url()).searchParams.get('next'), new URL(inviteUrl).pathname)
    // A new account: the sign-up page keeps where the visitor was going.
    await page.getByRole('link', { name: /Create an account|Sign up/ }).click()
    await page.getByLabel('Username').fill(sara.username)
    await page.getByLabel('Email').fill(sara.email)
    await page.getByLabel('Password').fill(sara.password)
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.waitForURL((url) => url.pathname === groupPath)
    await page.getByRole('heading', { level: 1, name: `${name}!` }).waitFor()
  })

  it('a revoked link no longer joins', async () => {
    const { olga: owner } = pages
    const stranger = uniqueUser('stranger')
    const page = await (await newContext(browser, server.baseUrl)).newPage()
    await signUp(page, stranger)
    const settings = await openSettings(owner)
    await settings.getByRole('button', { name: /^Revoke/ }).first().click()
    await settings.getByText('Invite link revoked.').waitFor()
    await owner.keyboard.press('Escape')
    await page.goto(new URL(inviteUrl).pathname)
    await page.getByRole('alert').getByText('This invite link was revoked. Ask for a new one.').waitFor()
    await page.close()
  })

  it('the owner deletes the group, and an open room says so', async () => {
    const { olga: owner, ivan: member } = pages
    await member.goto(groupPath)
    await member.locator('.connection-banner[data-status="open"]').waitFor({ state: 'attached' })
    const settings = await openSettings(owner)
    await settings.getByRole('button', { name: 'Delete group…' }).click()
    await settings.getByRole('button', { name: 'Yes, delete group' }).click()
    await owner.waitForURL((url) => url.pathname === '/')
    const notice = member.getByRole('alert')
    await notice.waitFor()
    assert.match(await notice.textContent(), /deleted|no longer a member/)
    assert.equal(await composer(member).count(), 0, 'no composer once the group is gone')
    await member.getByRole('link', { name: new RegExp(name) }).waitFor({ state: 'detached' })
  })
})
