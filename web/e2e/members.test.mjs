import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { axeViolations, launchBrowser, newContext, screenshot, setTheme, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'

let server
let browser
const olga = uniqueUser('olga')
const adam = uniqueUser('adam')
const mia = uniqueUser('mia')
const pages = {}

before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  for (const [name, user] of [['olga', olga], ['adam', adam], ['mia', mia]]) {
    pages[name] = await (await newContext(browser, server.baseUrl)).newPage()
    pages[name].on('dialog', () => assert.fail('the page opened a browser dialog'))
    await signUp(pages[name], user)
  }
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

const membersDialog = (page) => page.getByRole('dialog', { name: /^Members of/ })
const memberRow = (page, user) => membersDialog(page).getByRole('listitem').filter({ hasText: user.username })

async function openMembers(page) {
  await page.getByRole('button', { name: 'Members' }).click()
  await membersDialog(page).getByRole('listitem').first().waitFor()
  return membersDialog(page)
}

describe('group members panel', () => {
  it('owner promotes an admin, the admin removes a member, and the removed member is told plainly', async () => {
    const { olga: owner, adam: admin, mia: member } = pages
    const name = `Team ${Date.now().toString(36)}`
    await owner.goto('/new')
    await owner.getByLabel('Group name').fill(name)
    await owner.getByLabel(/Private: only people/).check()
    await owner.getByRole('button', { name: 'Create group' }).click()
    await owner.getByRole('heading', { level: 1, name }).waitFor()
    const groupPath = new URL(owner.url()).pathname

    await setTheme(owner, 'light')
    // The owner adds two people from inside the panel; the list refreshes when that dialog closes.
    let panel = await openMembers(owner)
    assert.equal(await memberRow(owner, olga).locator('.role-badge').textContent(), 'Owner')
    assert.equal(await memberRow(owner, olga).getByRole('button').count(), 0, 'no actions on the owner')
    await panel.getByRole('button', { name: 'Add people' }).click()
    const adder = owner.getByRole('dialog', { name: /^Add people/ })
    for (const user of [adam, mia]) {
      await adder.getByLabel('Find people by username').fill(user.username)
      await adder.getByRole('button', { name: `Add ${user.username}` }).click()
      await adder.getByText(`${user.username} was added.`).waitFor()
    }
    await owner.keyboard.press('Escape')
    await adder.waitFor({ state: 'hidden' })
    await memberRow(owner, mia).waitFor()
    assert.equal(await memberRow(owner, adam).locator('.role-badge').textContent(), 'Member')

    // Make admin: the badge and the button both update after the refresh.
    await memberRow(owner, adam).getByRole('button', { name: `Make admin ${adam.username}` }).click()
    await memberRow(owner, adam).locator('.role-badge', { hasText: 'Admin' }).waitFor()
    await memberRow(owner, adam).getByRole('button', { name: `Remove admin ${adam.username}` }).waitFor()
    await panel.getByText(`${adam.username} is now an admin.`).waitFor()
    const order = await panel.locator('.member-name').allTextContents()
    assert.match(order[0], new RegExp(olga.username))
    assert.match(order[1], new RegExp(adam.username), 'owner first, then admins')

    assert.deepEqual(await axeViolations(owner), [], 'members panel, light')
    await screenshot(owner, 'members')
    // The theme toggle sits behind the modal: close, switch, reopen.
    await owner.keyboard.press('Escape')
    await setTheme(owner, 'dark')
    panel = await openMembers(owner)
    await memberRow(owner, mia).waitFor()
    assert.deepEqual(await axeViolations(owner), [], 'members panel, dark')
    await screenshot(owner, 'members')

    await owner.setViewportSize({ width: 360, height: 740 })
    const scrollWidth = await owner.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(scrollWidth <= 360, `no horizontal scroll at 360 px (scrollWidth ${scrollWidth})`)
    assert.ok(await memberRow(owner, mia).getByRole('button', { name: `Remove ${mia.username}` }).isVisible())
    await owner.keyboard.press('Escape')
    await panel.waitFor({ state: 'hidden' })
    assert.equal(await owner.evaluate(() => document.activeElement?.textContent), 'Members', 'focus returns to the opener')

    // The plain member has the room open when it happens.
    await member.goto(groupPath)
    await member.getByRole('heading', { level: 1, name }).waitFor()
    await member.locator('.connection-banner[data-status="open"]').waitFor({ state: 'attached' })

    // The admin sees the panel with Remove on the plain member only, and uses it from the keyboard.
    await admin.goto(groupPath)
    panel = await openMembers(admin)
    await memberRow(admin, mia).waitFor()
    assert.equal(await memberRow(admin, olga).getByRole('button').count(), 0, 'an admin cannot act on the owner')
    assert.equal(await memberRow(admin, mia).getByRole('button', { name: /admin/ }).count(), 0, 'only the owner changes roles')
    const removeMia = memberRow(admin, mia).getByRole('button', { name: `Remove ${mia.username}` })
    await removeMia.focus()
    await admin.keyboard.press('Enter')
    await admin.waitForFunction(() => document.activeElement?.textContent === 'Yes, remove')
    // Cancel puts focus back on the Remove button it came from; then the admin asks again and confirms.
    await memberRow(admin, mia).getByRole('button', { name: 'Cancel' }).press('Enter')
    await admin.waitForFunction((username) => document.activeElement?.textContent === `Remove ${username}`, mia.username)
    await admin.keyboard.press('Enter')
    const confirm = memberRow(admin, mia).getByRole('button', { name: 'Yes, remove' })
    await admin.waitForFunction(() => document.activeElement?.textContent === 'Yes, remove')
    await confirm.press('Enter')
    await panel.getByText(`${mia.username} was removed.`).waitFor()
    await memberRow(admin, mia).waitFor({ state: 'detached' })

    const notice = member.getByRole('alert')
    await notice.waitFor()
    assert.match(await notice.textContent(), /no longer a member of this group/)
    assert.equal(await member.getByRole('textbox', { name: 'Message' }).count(), 0, 'no composer once removed')
    await member.getByRole('link', { name: new RegExp(name) }).waitFor({ state: 'detached' })

    // The admin leaves: back to the chat list, which no longer has the group.
    await memberRow(admin, adam).getByRole('button', { name: 'Leave group' }).click()
    await memberRow(admin, adam).getByRole('button', { name: 'Yes, leave' }).click()
    await admin.waitForURL((url) => url.pathname === '/')
    await admin.getByRole('heading', { name: `Welcome, ${adam.username}` }).waitFor()
    await admin.getByRole('link', { name: new RegExp(name) }).waitFor({ state: 'detached' })
  })
})
