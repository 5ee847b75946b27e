import { describe, expect, it } from 'vitest'
import { api, authed, json, signUp, uniqueName, type TestUser } from '../helpers'

// A password is hashed as UTF-8, where a lone surrogate becomes U+FFFD: "\ud800" would sign in as
// "\ufffd" and as every other lone surrogate. Every password field refuses one (issue #14).

const LONE_SURROGATES: [string, string][] = [
  ['a lone high surrogate', 'password-\ud800'],
  ['a lone low surrogate', 'password-\udfff'],
  ['a high surrogate before a letter', 'password-\ud83dx'],
  ['a pair in the wrong order', 'password-\ude00\ud83d'],
  ['only a lone surrogate', '\ud800'],
]

interface PasswordField {
  field: string
  send(user: TestUser, password: string): Promise<Response>
}

const FIELDS: PasswordField[] = [
  {
    field: 'Password',
    send: (_user, password) => {
      const username = uniqueName('reg')
      return api('/reg_user/', json({ Username: username, Email: `${username.toLowerCase()}@example.test`, Password: password }))
    },
  },
  { field: 'Password', send: (user, password) => api('/login/', json({ Email: user.email, Password: password })) },
  { field: 'old_password', send: (user, password) => api('/me/password/', authed(user.accessToken, json({ old_password: password, new_password: 'the-new-password' }))) },
  { field: 'new_password', send: (user, password) => api('/me/password/', authed(user.accessToken, json({ old_password: user.password, new_password: password }))) },
  { field: 'password', send: (user, password) => api('/me/', authed(user.accessToken, { ...json({ password }), method: 'DELETE' })) },
]
const ROUTES = ['POST /reg_user/', 'POST /login/', 'POST /me/password/ old', 'POST /me/password/ new', 'DELETE /me/']

describe('password fields', () => {
  it.each(LONE_SURROGATES)('refuse %s with 400 invalid_request naming the field, and change nothing', async (_name, password) => {
    const user = await signUp('surrogate')
    for (const [i, { field, send }] of FIELDS.entries()) {
      const res = await send(user, password)
      expect(res.status, ROUTES[i]).toBe(400)
      const { error } = (await res.json()) as { error: { code: string; field?: string } }
      expect(error, ROUTES[i]).toMatchObject({ code: 'invalid_request', field })
    }
    expect((await api('/login/', json({ Email: user.email, Password: user.password }))).status).toBe(200)
    expect((await api('/me/', authed(user.accessToken))).status).toBe(200)
  })

  it('accept a well-formed astral character (a surrogate pair)', async () => {
    const username = uniqueName('astral')
    const email = `${username.toLowerCase()}@example.test`
    const password = 'password-\u{1F600}'
    expect((await api('/reg_user/', json({ Username: username, Email: email, Password: password }))).status).toBe(201)
    expect((await api('/login/', json({ Email: email, Password: password }))).status).toBe(200)
  })
})
