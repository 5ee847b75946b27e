import { describe, expect, it } from 'vitest'
import type { ErrorBody } from '../../../protocol/errors'
import { CHAT_NAME_MAX_LENGTH, MAX_BODY_BYTES, MESSAGE_MAX_CHARS, type SendResponse } from '../../../protocol/http'
import { MAX_FRAME_BYTES, type ErrorFrame, type MessageFrame } from '../../../protocol/socket'
import { api, authed, createGroup, historyMessages, json, lastSeqOf, messageFrames, openSocket, signUp, uniqueName, type TestUser } from '../helpers'

// Issue #9.3/#9.4: one text rule and one character limit in every encoding. Text valid by the rule
// is accepted whatever its encoding; over-long text is a 400 or an error frame, never 413 or 1009.

const ASTRAL = '😀'
/** A JSON string literal with every UTF-16 unit `\u`-escaped: 12 bytes per astral character. */
const escaped = (text: string) =>
  `"${Array.from({ length: text.length }, (_, i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"`

function raw(user: TestUser, path: string, contentType: string, body: string) {
  return api(path, authed(user.accessToken, { method: 'POST', headers: { 'Content-Type': contentType }, body }))
}

async function errorOf(res: Response): Promise<ErrorBody['error'] & { status: number }> {
  return { status: res.status, ...((await res.json()) as ErrorBody).error }
}

/** Each way the seed's and our clients send message text over HTTP: [encoding, body for `text`]. */
const SEND_ENCODINGS: [string, string, (text: string) => string][] = [
  ['JSON, raw UTF-8', 'application/json', (text) => JSON.stringify({ message: text, client_id: crypto.randomUUID() })],
  ['JSON, \\u-escaped', 'application/json', (text) => `{"message":${escaped(text)},"client_id":"${crypto.randomUUID()}"}`],
  ['form-urlencoded', 'application/x-www-form-urlencoded', (text) => new URLSearchParams({ message: text, client_id: crypto.randomUUID() }).toString()],
]

describe('POST /chat/<id>/send/ at the character limit', () => {
  it.each(SEND_ENCODINGS)('stores exactly MESSAGE_MAX_CHARS characters sent as %s and refuses one more with 400', async (_, type, encode) => {
    const owner = await signUp('limit')
    const chatId = await createGroup(owner)
    for (const ch of [ASTRAL, '汉']) {
      const atLimit = encode(ch.repeat(MESSAGE_MAX_CHARS))
      const res = await raw(owner, `/chat/${chatId}/send/`, type, atLimit)
      expect(res.status).toBe(201)
      expect([...((await res.json()) as SendResponse).message.message!]).toHaveLength(MESSAGE_MAX_CHARS)

      const over = await raw(owner, `/chat/${chatId}/send/`, type, encode(ch.repeat(MESSAGE_MAX_CHARS + 1)))
      expect(await errorOf(over)).toMatchObject({ status: 400, code: 'invalid_request', field: 'message' })
    }
  })

  it('needs more than the old 32 KiB cap for the worst encodings, and stays within MAX_BODY_BYTES', () => {
    const worst = SEND_ENCODINGS.map(([, , encode]) => new TextEncoder().encode(encode(ASTRAL.repeat(MESSAGE_MAX_CHARS))).byteLength)
    expect(Math.max(...worst)).toBeGreaterThan(32 * 1024)
    for (const bytes of worst) expect(bytes).toBeLessThanOrEqual(MAX_BODY_BYTES)
  })
})

describe('POST /chat/create/ at the character limit', () => {
  it.each([
    ['JSON, \\u-escaped', 'application/json', (name: string) => `{"is_group":true,"name":${escaped(name)}}`],
    ['form-urlencoded', 'application/x-www-form-urlencoded', (name: string) => new URLSearchParams({ is_group: 'true', name }).toString()],
  ])('takes a name of exactly CHAT_NAME_MAX_LENGTH characters sent as %s and refuses one more', async (_, type, encode) => {
    const owner = await signUp('gname')
    const ok = await raw(owner, '/chat/create/', type, encode(ASTRAL.repeat(CHAT_NAME_MAX_LENGTH)))
    expect(ok.status).toBe(201)
    const over = await raw(owner, '/chat/create/', type, encode(ASTRAL.repeat(CHAT_NAME_MAX_LENGTH + 1)))
    expect(await errorOf(over)).toMatchObject({ status: 400, code: 'invalid_request', field: 'name' })
  })
})

describe('the text rule on REST', () => {
  it.each([
    ['U+2800 alone', '\u2800'],
    ['U+200B alone', '\u200b'],
    ['U+3164 among spaces', ' \u3164 '],
    ['a NUL', 'hi\u0000there'],
    ['a C1 control', 'hi\u0085there'],
    ['a lone CR', 'hi\rthere'],
  ])('refuses a message of %s with 400 and stores nothing', async (_, message) => {
    const owner = await signUp('rule')
    const chatId = await createGroup(owner)
    expect(await errorOf(await api(`/chat/${chatId}/send/`, authed(owner.accessToken, json({ message }))))).toMatchObject({
      status: 400,
      code: 'invalid_request',
      field: 'message',
    })
    expect(await historyMessages(chatId, owner)).toEqual([])
  })

  it('keeps line breaks and tabs, storing a form CRLF as LF', async () => {
    const owner = await signUp('lines')
    const chatId = await createGroup(owner)
    const res = await raw(owner, `/chat/${chatId}/send/`, 'application/x-www-form-urlencoded', new URLSearchParams({ message: 'one\r\n\ttwo' }).toString())
    expect(res.status).toBe(201)
    expect(((await res.json()) as SendResponse).message.message).toBe('one\n\ttwo')
  })

  it.each([
    ['U+200B alone', '\u200b'],
    ['U+2800 alone', '\u2800'],
    ['a NUL', 'Team\u0000'],
    ['a newline', 'Team\nA'],
    ['U+202E (RLO)', 'Team\u202Eexe.pdf'],
    ['U+2066 (LRI)', 'Team\u2066x'],
    ['U+200F (RLM)', 'Team\u200F'],
  ])('refuses a group name with %s', async (_, name) => {
    const owner = await signUp('gname')
    const res = await api('/chat/create/', authed(owner.accessToken, json({ is_group: true, name })))
    expect(await errorOf(res)).toMatchObject({ status: 400, code: 'invalid_request', field: 'name' })
  })

  it.each([
    ['U+202E (RLO)', '\u202E'],
    ['U+200E (LRM)', '\u200E'],
    ['U+061C (ALM)', '\u061C'],
    ['U+2069 (PDI)', '\u2069'],
    ['NUL', '\u0000'],
  ])('refuses a username with %s', async (_, inserted) => {
    const name = uniqueName('bidi')
    const res = await api('/reg_user/', json({ Username: `${name.slice(0, 4)}${inserted}${name.slice(4)}`, Email: `${name}@example.test`, Password: 'long enough pw' }))
    expect(await errorOf(res)).toMatchObject({ status: 400, code: 'invalid_request', field: 'Username' })
  })
})

describe('socket frames at the character limit', () => {
  it.each([
    ['send, \\u-escaped', (text: string) => `{"type":"send","client_id":"${crypto.randomUUID()}","text":${escaped(text)}}`],
    ['send, raw UTF-8', (text: string) => JSON.stringify({ type: 'send', client_id: crypto.randomUUID(), text })],
    ['the legacy { message } frame, \\u-escaped', (text: string) => `{"message":${escaped(text)}}`],
  ])('stores exactly MESSAGE_MAX_CHARS characters in a %s frame and answers one more with an error frame', async (_, encode) => {
    const owner = await signUp('frame')
    const chatId = await createGroup(owner)
    const base = await lastSeqOf(chatId)
    const s = await openSocket(chatId, owner.accessToken)
    const atLimit = encode(ASTRAL.repeat(MESSAGE_MAX_CHARS))
    expect(new TextEncoder().encode(atLimit).byteLength).toBeLessThanOrEqual(MAX_FRAME_BYTES)
    s.send(atLimit)
    const stored = await s.waitFor<MessageFrame>((f) => f.type === 'message' && f.seq === base + 1)
    expect([...stored.message!]).toHaveLength(MESSAGE_MAX_CHARS)

    s.send(encode(ASTRAL.repeat(MESSAGE_MAX_CHARS + 1)))
    const refused = await s.waitFor<ErrorFrame>((f) => f.type === 'error')
    expect(refused).toMatchObject({ code: 'invalid_request', field: expect.stringMatching(/^(text|message)$/) })
    s.send({ type: 'ping' })
    await s.waitFor((f) => f.type === 'pong')
    expect(messageFrames(s.frames)).toHaveLength(1)
  })

  it.each([
    ['U+2800 alone', { type: 'send', text: '\u2800' }],
    ['U+200B alone', { message: '\u200b' }],
    ['a NUL', { type: 'send', text: 'a\u0000b' }],
  ])('answers a frame with %s with an error frame and stores nothing', async (_, frame) => {
    const owner = await signUp('frame')
    const chatId = await createGroup(owner)
    const base = await lastSeqOf(chatId)
    const s = await openSocket(chatId, owner.accessToken)
    s.send(frame)
    expect(await s.waitFor<ErrorFrame>((f) => f.type === 'error')).toMatchObject({ code: 'invalid_request' })
    s.send({ type: 'send', text: 'visible' })
    // The first seq after the setup: the refused frame took none.
    expect(await s.waitFor<MessageFrame>((f) => f.type === 'message')).toMatchObject({ seq: base + 1, message: 'visible' })
  })
})
