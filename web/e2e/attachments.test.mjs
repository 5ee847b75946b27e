import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { crc32, deflateSync } from 'node:zlib'
import { apiLogin, axeViolations, launchBrowser, newContext, screenshot, signUp, uniqueUser } from './helpers.mjs'
import { startServer } from './server.mjs'

// Attachments (#13) in two browsers: an image previewed at its final size before it loads, opened
// full size; a file card with a download; cancel mid-upload leaves nothing in the local R2 bucket
// (Miniflare's directory under the server's persistDir).

let server
let browser
const ann = uniqueUser('ann')
const bob = uniqueUser('bob')
let annPage
let bobPage
let roomPath

/** A valid RGB PNG of `width` x `height` pixels (one flat colour): the worker reads its size from IHDR. */
function png(width, height) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit, truecolour, deflate, no filter, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x4a)])
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))])
}

/** A small PDF: the worker sniffs `%PDF-` and serves it as an attachment, not inline. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

/** Files in the local R2 bucket's blob store (every stored object has one). */
function r2Blobs() {
  const found = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (path.basename(dir) === 'blobs') found.push(full)
    }
  }
  try {
    walk(path.join(server.persistDir, 'v3', 'r2'))
  } catch (err) {
    if (err.code !== 'ENOENT') throw err
  }
  return found.sort()
}

/** Picks files through the Attach button's file chooser. */
async function attach(page, files) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Attach files' }).click()])
  await chooser.setFiles(files)
}

/** Drops `file` onto the message list, as a drag from the desktop would (a DataTransfer with a File). */
async function drop(page, file) {
  await page.evaluate(
    ({ name, mimeType, bytes }) => {
      const data = new DataTransfer()
      data.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }))
      const target = document.querySelector('.message-list')
      for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }))
    },
    { name: file.name, mimeType: file.mimeType, bytes: [...file.buffer] },
  )
}

const sendButton = (page) => page.locator('.composer').getByRole('button', { name: 'Send' })

before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
  annPage = await (await newContext(browser, server.baseUrl)).newPage()
  bobPage = await (await newContext(browser, server.baseUrl)).newPage()
  await signUp(annPage, ann)
  await signUp(bobPage, bob)
  const [annApi, bobApi] = [await apiLogin(server.baseUrl, ann), await apiLogin(server.baseUrl, bob)]
  const res = await fetch(`${server.baseUrl}/chat/private/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: server.baseUrl, Authorization: `Bearer ${annApi.token}` },
    body: JSON.stringify({ user_id: bobApi.userid }),
  })
  roomPath = `/c/${(await res.json()).chat_id}`
  await Promise.all([annPage.goto(roomPath), bobPage.goto(roomPath)])
  await Promise.all([annPage, bobPage].map((p) => p.getByRole('button', { name: 'Attach files' }).waitFor()))
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

describe('attachments in the browser', () => {
  it("an image sent by one user shows for the other at its final size before it loads, then full size in a dialog", async () => {
    // Bob's download of the image is held until the preview's box has been measured.
    let release
    const held = new Promise((resolve) => (release = resolve))
    let markRequested
    const requested = new Promise((resolve) => (markRequested = resolve))
    await bobPage.route(/\/chat\/\d+\/attachments\/[^/]+\/$/, async (route) => {
      markRequested()
      await held
      await route.continue()
    })

    await attach(annPage, [{ name: 'sunset.png', mimeType: 'image/png', buffer: png(400, 300) }])
    const annUpload = annPage.locator('.upload', { hasText: 'sunset.png' })
    await annUpload.getByRole('button', { name: 'Remove sunset.png' }).waitFor()
    await annPage.locator('#composer-input').fill('Look at this')
    await sendButton(annPage).click()

    const preview = bobPage.getByRole('button', { name: /^Open sunset\.png, image 400 by 300/ })
    await preview.waitFor()
    // The box is drawn before the preview's fetch starts (an effect after render): wait for the request.
    await Promise.race([requested, new Promise((_, reject) => setTimeout(() => reject(new Error('the preview never asked for the image')), 20_000))])
    assert.equal(await preview.locator('img').count(), 0, 'the image has not loaded yet')
    const before = await preview.boundingBox()
    // 400 x 300 scaled into 280 x 280: 280 x 210 (utils/image-box.ts).
    assert.deepEqual([Math.round(before.width), Math.round(before.height)], [280, 210])
    const textBefore = await bobPage.locator('.bubble-text', { hasText: 'Look at this' }).boundingBox()

    release()
    const img = preview.locator('img')
    await img.waitFor()
    await bobPage.waitForFunction(() => {
      const el = document.querySelector('.image-preview img')
      return el?.complete && el.naturalWidth > 0
    })
    assert.deepEqual(await img.evaluate((el) => [el.naturalWidth, el.naturalHeight, el.src.startsWith('blob:')]), [400, 300, true])
    const afterLoad = await preview.boundingBox()
    assert.deepEqual([afterLoad.width, afterLoad.height, afterLoad.y], [before.width, before.height, before.y], 'no layout shift when the image arrives')
    assert.equal((await bobPage.locator('.bubble-text', { hasText: 'Look at this' }).boundingBox()).y, textBefore.y)
    await bobPage.unroute(/\/chat\/\d+\/attachments\/[^/]+\/$/)

    // Keyboard: focus the preview, Enter opens the full-size dialog, Escape closes it and focus returns.
    await preview.focus()
    await bobPage.keyboard.press('Enter')
    const dialog = bobPage.getByRole('dialog', { name: 'sunset.png' })
    await dialog.waitFor()
    assert.equal(await dialog.locator('img').evaluate((el) => [el.naturalWidth, el.getBoundingClientRect().width]).then(([n, w]) => n === 400 && Math.round(w) === 400), true, 'shown at full size')
    await screenshot(bobPage, 'room-image-lightbox')
    assert.deepEqual(await axeViolations(bobPage), [])
    await bobPage.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    assert.equal(await preview.evaluate((el) => el === document.activeElement), true, 'focus is back on the preview')
  })

  it('a dropped file arrives as a card with its name and size, and downloads with the token', async () => {
    await drop(annPage, { name: 'notes.pdf', mimeType: 'application/pdf', buffer: PDF })
    await annPage.getByRole('button', { name: 'Remove notes.pdf' }).waitFor()
    assert.equal(await annPage.locator('#composer-input').inputValue(), '', 'no text: a file alone can be sent')
    await sendButton(annPage).click()

    const card = bobPage.locator('.file-card', { hasText: 'notes.pdf' })
    await card.waitFor()
    assert.match(await card.innerText(), new RegExp(`notes\\.pdf\\s+${PDF.length} bytes`))
    const [download] = await Promise.all([bobPage.waitForEvent('download'), card.getByRole('button', { name: `Download notes.pdf (${PDF.length} bytes)` }).click()])
    assert.equal(download.suggestedFilename(), 'notes.pdf')
    const saved = await download.createReadStream()
    const chunks = []
    for await (const chunk of saved) chunks.push(chunk)
    assert.deepEqual(Buffer.concat(chunks), PDF, 'the downloaded bytes are the sent ones')
    await screenshot(bobPage, 'room-attachments')
    assert.deepEqual(await axeViolations(bobPage), [])
  })

  it('a pasted image is attached; Remove takes it out before sending', async () => {
    await annPage.locator('#composer-input').focus()
    await annPage.evaluate((bytes) => {
      const data = new DataTransfer()
      data.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }))
      document.getElementById('composer-input').dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: data }))
    }, [...png(2, 2)])
    const remove = annPage.getByRole('button', { name: 'Remove image.png' })
    await remove.waitFor()
    await remove.click()
    await annPage.locator('.upload').waitFor({ state: 'detached' })
    assert.equal(await sendButton(annPage).isDisabled(), true, 'nothing left to send')
  })

  it('cancel mid-upload aborts the request and leaves nothing in the bucket', async () => {
    const blobsBefore = r2Blobs()
    assert.ok(blobsBefore.length >= 2, 'the earlier sends stored their files on disk (the check can see them)')
    // A slow uplink, so the upload is still running when Cancel is pressed.
    const cdp = await annPage.context().newCDPSession(annPage)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 128 * 1024 })
    const failed = annPage.waitForEvent('requestfailed', (r) => r.method() === 'POST' && /\/attachments\/\?name=big\.png$/.test(r.url()))
    await attach(annPage, [{ name: 'big.png', mimeType: 'image/png', buffer: Buffer.concat([png(1, 1), Buffer.alloc(4 * 1024 * 1024, 7)]) }])
    const progress = annPage.getByRole('progressbar', { name: 'Uploading big.png' })
    await annPage.waitForFunction(() => Number(document.querySelector('.upload progress')?.value) > 0)
    assert.equal(await sendButton(annPage).isDisabled(), true, 'Send waits for the upload')
    await annPage.getByRole('button', { name: 'Cancel upload of big.png' }).click()
    assert.match((await failed).failure().errorText, /ERR_ABORTED/)
    await progress.waitFor({ state: 'detached' })
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })

    // One more file through the same worker afterwards: its blob is the only new one.
    await attach(annPage, [{ name: 'after.png', mimeType: 'image/png', buffer: png(3, 3) }])
    await annPage.getByRole('button', { name: 'Remove after.png' }).waitFor()
    await sendButton(annPage).click()
    await bobPage.getByRole('button', { name: /^Open after\.png/ }).waitFor()
    const added = r2Blobs().filter((f) => !blobsBefore.includes(f))
    assert.equal(added.length, 1, `only the finished upload is stored, got ${added.length}`)
  })
})
