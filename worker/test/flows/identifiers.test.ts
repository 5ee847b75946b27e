import { describe, expect, it } from 'vitest'
import type { LoginResponse, RegisterResponse, UsersResponse } from '../../../protocol/http'
import { api, authed, errorCode, json, signUp, uniqueName } from '../helpers'

// Digits are script-neutral (UTS #39 Common), so they make a name unique without mixing scripts.
function digits(): string {
  return String(crypto.getRandomValues(new Uint32Array(1))[0]).padStart(10, '0')
}

function register(username: string, email = `${uniqueName('id')}@example.test`, password = 'correct horse battery') {
  return api('/reg_user/', json({ Username: username, Email: email, Password: password }))
}

describe('POST /reg_user/ usernames with one canonical form', () => {
  it.each([
    ['NFC and NFD', 'jos\u00e9', 'jose\u0301'],
    ['Latin case with an accent', 'Émile', 'émile'],
    ['Greek case', 'Σοφία', 'σοφία'],
    ['Greek final sigma', 'ΟΔΥΣΣΕΑΣ', 'οδυσσεας'],
    ['German sharp s', 'Straße', 'STRASSE'],
    ['German capital sharp s', 'ẞtraße', 'sstrasse'],
    ['Turkish dotted capital I', 'İSTANBUL', 'İstanbul'],
    ['Cyrillic case', 'Дмитрий', 'дмитрий'],
    ['Armenian case', 'Արամ', 'արամ'],
    ['Cherokee case (small letters fold to capitals)', 'ᏣᎳᎩ', '\uabb3\uab83\uab79'],
    ['fullwidth compatibility forms', 'ａｄｍｉｎ', 'admin'],
    ['a ligature', 'ﬁnn', 'finn'],
    ['a superscript digit', 'agent²', 'agent2'],
  ])('refuses %s with 409 username_taken', async (_, first, second) => {
    const tag = digits()
    expect((await register(`${first}${tag}`)).status).toBe(201)
    const again = await register(`${second}${tag}`)
    expect(again.status).toBe(409)
    expect(await errorCode(again)).toBe('username_taken')
  })

  it.each([
    ['Cyrillic р, о, р against Latin', 'pop', 'рор'],
    ['all-Cyrillic lookalike of paypal', 'paypal', 'раураІ'],
    ['capital I against l', 'paypal', 'paypaI'],
    ['digit 1 against l', 'paypal', 'paypa1'],
    ['rn against m', 'modern', 'rnodern'],
    ['Greek capitals against Latin', 'ABE', 'ΑΒΕ'],
    ['a lookalike that differs in case too', 'paypal', 'PAYPAI'],
  ])('refuses a name that looks like a taken one (%s) with 409 username_confusable', async (_, first, second) => {
    const tag = digits()
    expect((await register(`${first}${tag}`)).status).toBe(201)
    const again = await register(`${second}${tag}`)
    expect(again.status).toBe(409)
    expect(await errorCode(again)).toBe('username_confusable')
  })

  it.each([
    ['Latin with one Cyrillic letter', '\u0430dmin'],
    ['Latin with one Cyrillic letter inside', 'p\u0430ypal'],
    ['Greek with Latin', 'Σofia'],
    ['Latin with Cyrillic', 'abcдеф'],
    ['Greek with Cyrillic', 'Ελλάδαабв'],
    ['Hiragana with Hangul', 'すし한글'],
  ])('refuses %s with 400 username_mixed_script', async (_, name) => {
    const res = await register(`${name}${digits()}`)
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('username_mixed_script')
  })

  it.each([
    ['Latin with Han (Japanese)', 'tanaka太郎'],
    ['Hiragana, Han and Latin', 'すし寿司sushi'],
    ['Katakana with Latin', 'カタカナkana'],
    ['Bopomofo, Han and Latin', 'ㄅㄆ中文abc'],
    ['Hangul with Latin', '한국어abc'],
    ['Han with Hangul', '漢字한글'],
    ['one script with digits and punctuation', 'Σοφία_.-'],
  ])('accepts %s', async (_, name) => {
    const res = await register(`${name}${digits()}`)
    expect(res.status).toBe(201)
  })

  it.each([
    ['only Hangul fillers (invisible letters)', '\u3164\u3164\u3164'],
    ['a combining mark on its own', '\u0301ab'],
  ])('refuses %s with 400 invalid_request', async (_, name) => {
    const res = await register(`${name}${digits()}`)
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('invalid_request')
  })

  it('stores and returns the username as NFC', async () => {
    const name = `jose\u0301${digits()}`
    const res = await register(name)
    const body = (await res.json()) as RegisterResponse
    expect(body.data.Username).toBe(name.normalize('NFC'))
  })
})

describe('POST /reg_user/ and POST /login/ emails with one canonical form', () => {
  it.each([
    ['NFC and NFD', 'jos\u00e9', 'jose\u0301'],
    ['case with an accent', 'ÉMILE', 'émile'],
    ['German sharp s', 'straße', 'STRASSE'],
    ['fullwidth forms', 'ａｌｉｃｅ', 'alice'],
  ])('refuses %s with 409 email_taken and signs in with either form', async (_, first, second) => {
    const tag = digits()
    expect((await register(uniqueName(), `${first}${tag}@example.test`)).status).toBe(201)
    const again = await register(uniqueName(), `${second}${tag}@EXAMPLE.test`)
    expect(again.status).toBe(409)
    expect(await errorCode(again)).toBe('email_taken')
    const login = await api('/login/', json({ Email: `${second}${tag}@Example.Test`, Password: 'correct horse battery' }))
    expect(login.status).toBe(200)
    expect(((await login.json()) as LoginResponse).user.email).toBe(`${first}${tag}@example.test`.normalize('NFC'))
  })
})

describe('GET /users/ folds case for every script', () => {
  it.each([
    ['Latin with an accent', 'Émile', 'émile'],
    ['Greek, upper-case query', 'σοφία', 'ΣΟΦ'],
    ['Greek final sigma', 'οδυσσεας', 'ΟΔΥΣΣΕΑΣ'],
    ['German sharp s', 'Straße', 'STRASS'],
    ['Cyrillic', 'Дмитрий', 'ДМИТ'],
    ['Armenian', 'Արամ', 'ԱՐԱՄ'],
    ['fullwidth query', 'admin', 'ａｄｍ'],
  ])('finds %s', async (_, name, query) => {
    const me = await signUp('searcher')
    const tag = digits()
    const reg = (await (await register(`${name}${tag}`)).json()) as RegisterResponse
    const found = (await (await api(`/users/?q=${encodeURIComponent(query)}&limit=50`, authed(me.accessToken))).json()) as UsersResponse
    expect(found.users.map((u) => u.userid)).toContain(reg.data.Userid)
    const exact = (await (await api(`/users/?q=${encodeURIComponent(`${name.toUpperCase()}${tag}`)}`, authed(me.accessToken))).json()) as UsersResponse
    expect(exact.users.map((u) => u.userid)).toEqual([reg.data.Userid])
  })

  it('treats "%" and "_" in the query as literal characters, also in compatibility forms', async () => {
    const me = await signUp('searcher')
    const tag = digits()
    const underscore = (await (await register(`ab_c${tag}`)).json()) as RegisterResponse
    await register(`abxc${tag}`)
    const search = async (q: string) =>
      ((await (await api(`/users/?q=${encodeURIComponent(q)}`, authed(me.accessToken))).json()) as UsersResponse).users.map((u) => u.userid)
    expect(await search(`b_c${tag}`)).toEqual([underscore.data.Userid])
    expect(await search(`b%c${tag}`)).toEqual([])
    expect(await search(`b％c${tag}`)).toEqual([])
    expect(await search(`b＿c${tag}`)).toEqual([underscore.data.Userid])
  })
})
