import { describe, expect, it } from 'vitest'
import { api, authed, createGroup, errorCode, historyMessages, signUp, type TestUser } from '../helpers'

const JSON_TYPE = { 'Content-Type': 'application/json' }
const FORM_TYPE = { 'Content-Type': 'application/x-www-form-urlencoded' }

// Malformed UTF-8 (Unicode 15 §3.9, Table 3-7), as raw bytes and as percent-escapes.
const INVALID: readonly [string, number[], string][] = [
  ['a lone continuation byte', [0x80], '%80'],
  ['bytes that are never UTF-8', [0xff, 0xfe], '%FF%FE'],
  ['an overlong "/"', [0xc0, 0xaf], '%C0%AF'],
  ['an encoded surrogate', [0xed, 0xa0, 0x80], '%ED%A0%80'],
  ['a truncated 3-byte sequence', [0xe6, 0xb1], '%E6%B1'],
]

const VALID: readonly [string, string][] = [
  ['Chinese', '汉字 chat'],
  ['Arabic', 'مرحبا بالعالم'],
  ['an emoji with a skin tone', 'hi 👋🏽'],
  ['combining marks', 'jose\u0301'],
  ['Devanagari', 'नमस्ते'],
]

function bytes(...parts: (string | number[])[]): Uint8Array<ArrayBuffer> {
  const chunks = parts.map((part) => (typeof part === 'string' ? new TextEncoder().encode(part) : Uint8Array.from(part)))
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0))
  chunks.reduce((at, chunk) => (out.set(chunk, at), at + chunk.length), 0)
  return out
}

/** The texts of the members' messages stored (the group's `created` system message left out). */
async function historyTexts(chatId: number, user: TestUser): Promise<(string | null)[]> {
  return (await historyMessages(chatId, user)).map((message) => message.message)
}

describe('POST /chat/:id/send/ body encoding', () => {
  it.each(INVALID)('refuses %s in a JSON body with invalid_request and stores nothing', async (_, raw) => {
    const user = await signUp('utf8')
    const chatId = await createGroup(user)
    const body = bytes('{"message":"ab', raw, 'cd"}')
    const res = await api(`/chat/${chatId}/send/`, authed(user.accessToken, { method: 'POST', headers: JSON_TYPE, body }))
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('invalid_request')
    expect(await historyTexts(chatId, user)).toEqual([])
  })

  it.each(INVALID)('refuses %s in a form field with invalid_request naming it and stores nothing', async (_, __, escaped) => {
    const user = await signUp('utf8')
    const chatId = await createGroup(user)
    const res = await api(`/chat/${chatId}/send/`, authed(user.accessToken, { method: 'POST', headers: FORM_TYPE, body: `message=ab${escaped}cd` }))
    expect(res.status).toBe(400)
    const { error } = (await res.json()) as { error: { code: string; field?: string } }
    expect(error).toMatchObject({ code: 'invalid_request', field: 'message' })
    expect(await historyTexts(chatId, user)).toEqual([])
  })

  it.each(INVALID)('refuses %s as raw bytes in a form body', async (_, raw) => {
    const user = await signUp('utf8')
    const chatId = await createGroup(user)
    const res = await api(`/chat/${chatId}/send/`, authed(user.accessToken, { method: 'POST', headers: FORM_TYPE, body: bytes('message=ab', raw, 'cd') }))
    expect(await errorCode(res)).toBe('invalid_request')
  })

  it.each(VALID)('stores %s sent as JSON, as an escaped form and as raw UTF-8 form bytes', async (_, text) => {
    const user = await signUp('utf8')
    const chatId = await createGroup(user)
    const send = (init: RequestInit) => api(`/chat/${chatId}/send/`, authed(user.accessToken, { method: 'POST', ...init }))
    expect((await send({ headers: JSON_TYPE, body: bytes(JSON.stringify({ message: text })) })).status).toBe(201)
    expect((await send({ headers: FORM_TYPE, body: new URLSearchParams({ message: text }).toString() })).status).toBe(201)
    expect((await send({ headers: FORM_TYPE, body: bytes(`message=${text.replaceAll(' ', '+')}`) })).status).toBe(201)
    expect(await historyTexts(chatId, user)).toEqual([text, text, text])
  })
})

describe('repeated fields', () => {
  it.each([
    ['a form body', (chatId: number) => [`/chat/${chatId}/send/`, { method: 'POST', headers: FORM_TYPE, body: 'message=one&message=two' }] as const, 'message'],
    ['a history query', (chatId: number) => [`/chat/${chatId}/history/?limit=5&limit=50`, {}] as const, 'limit'],
    ['a user search query', () => ['/users/?q=ab&q=cd', {}] as const, 'q'],
  ])('refuses a repeated field in %s with invalid_request naming it', async (_, request, field) => {
    const user = await signUp('repeat')
    const chatId = await createGroup(user)
    const [path, init] = request(chatId)
    const res = await api(path, authed(user.accessToken, init))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', field } })
  })

  it('refuses an escape that is not UTF-8 in a query', async () => {
    const user = await signUp('query')
    const res = await api('/users/?q=ab%C0%AF', authed(user.accessToken))
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', field: 'q' } })
  })
})
