import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { axeViolations, launchBrowser, newContext, reload, screenshot, setTheme, signIn, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'

let server
let browser

before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

describe('accounts in the browser', () => {
  it('serves the page with a CSP that forbids inline scripts', async () => {
    const res = await fetch(`${server.baseUrl}/signin`)
    const csp = res.headers.get('content-security-policy') ?? ''
    assert.match(csp, /script-src 'self'/)
    assert.doesNotMatch(csp, /unsafe-inline/)
  })

  it('registers, lands on the chat list, and stays signed in across a reload', async () => {
    const context = await newContext(browser, server.baseUrl)
    const page = await context.newPage()
    const user = uniqueUser('reload')
    await signUp(page, user)
    await reload(page)
    await page.getByRole('heading', { name: `Welcome, ${user.username}` }).waitFor()
    await page.goto('/settings/sessions')
    await page.getByRole('heading', { name: 'Active sessions' }).waitFor()
    await page.getByText('This browser').waitFor()
    await context.close()
  })

  it('sends a signed-out visitor to sign in and back where they were going', async () => {
    const context = await newContext(browser, server.baseUrl)
    const page = await context.newPage()
    const user = uniqueUser('next')
    await signUp(page, user)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await page.goto('/explore')
    await page.waitForURL(/\/signin\?next=%2Fexplore$/)
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Explore groups' }).waitFor()
    await context.close()
  })

  it('explains a wrong password, a duplicate email and a network failure in plain words', async () => {
    const context = await newContext(browser, server.baseUrl)
    const page = await context.newPage()
    const user = uniqueUser('errors')
    await signUp(page, user)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill('not the right password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    assert.match(await page.getByRole('alert').textContent(), /don't match an account/)

    await page.goto('/signup')
    await page.getByLabel('Username').fill(`${user.username.slice(0, 28)}x2`)
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Create account' }).click()
    assert.match(await page.getByRole('alert').textContent(), /already exists/)

    await page.goto('/signin')
    // The page (a lazily loaded route) is up before the network goes: the failure under test is the submit's.
    await page.getByLabel('Email').waitFor()
    await context.setOffline(true)
    await page.getByLabel('Email').fill(user.email)
    await page.getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    assert.match(await page.getByRole('alert').textContent(), /Can't reach the server/)
    await context.close()
  })

  it('signs out one other session, then everywhere: the other browser is signed out on its next refresh', async () => {
    const user = uniqueUser('everywhere')
    const first = await newContext(browser, server.baseUrl)
    const second = await newContext(browser, server.baseUrl)
    const a = await first.newPage()
    const b = await second.newPage()
    await signUp(a, user)
    await signIn(b, user)
    await a.goto('/settings/sessions')
    await a.getByRole('button', { name: 'Sign out Chrome on Linux' }).click()
    await a.getByRole('button', { name: 'Sign out Chrome on Linux' }).waitFor({ state: 'detached' })
    await reload(b)
    await b.getByRole('heading', { name: 'Sign in' }).waitFor()
    await signIn(b, user)
    await reload(a)
    await a.getByText('This browser').waitFor()
    await a.getByRole('button', { name: 'Sign out everywhere' }).click()
    await a.getByRole('heading', { name: 'Sign in' }).waitFor()
    await reload(b)
    await b.getByRole('heading', { name: 'Sign in' }).waitFor()
    await first.close()
    await second.close()
  })

  it('has no serious accessibility violations on the sign-in and sign-up pages, light and dark', async () => {
    const context = await newContext(browser, server.baseUrl)
    const page = await context.newPage()
    for (const path of ['/signin', '/signup']) {
      for (const theme of ['light', 'dark']) {
        await page.goto(path)
        await page.getByRole('button', { name: /Sign in|Create account/ }).waitFor()
        await setTheme(page, theme)
        assert.deepEqual(await axeViolations(page), [], `${path} in ${theme}`)
        await screenshot(page, path.slice(1))
      }
    }
    await context.close()
  })
})
