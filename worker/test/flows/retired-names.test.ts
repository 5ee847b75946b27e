import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { usernameSkeleton } from '../../auth/identifiers'
import { sha256Hex } from '../../crypto/hash'
import { api, authed, errorCode, json, signUp, uniqueName } from '../helpers'

// A deleted account's username is retired (issue #14: "never reusable to impersonate"); its email is not.

function register(username: string, email = `${uniqueName('mail')}@example.test`): Promise<Response> {
  return api('/reg_user/', json({ Username: username, Email: email, Password: 'a-brand-new-password' }))
}

describe('POST /reg_user/ after DELETE /me/', () => {
  // [label, the new name made from the old one]
  it.each([
    ['the same name', (n: string) => n],
    ['it in capitals', (n: string) => n.toUpperCase()],
    ['it in fullwidth letters (NFKC)', (n: string) => n.replace(/[a-z]/g, (c) => String.fromCodePoint(c.codePointAt(0)! - 0x61 + 0xff41))],
    ['a confusable: "l" for "I"', (n: string) => n.replace(/^l/, 'I')],
    ['a confusable: "rn" for "m"', (n: string) => n.replace(/^lm/, 'lrn')],
  ])('refuses %s with username_taken, and frees the email', async (_label, variant) => {
    const leaver = await signUp('lmx')
    const res = await api('/me/', authed(leaver.accessToken, { ...json({ password: leaver.password }), method: 'DELETE' }))
    expect(res.status).toBe(200)
    const taken = await register(variant(leaver.username))
    expect([taken.status, await errorCode(taken)]).toEqual([409, 'username_taken'])
    // The email is not retired: its owner may come back with it, under another name.
    expect((await register(uniqueName('back'), leaver.email)).status).toBe(201)
  })

  it('keeps only the SHA-256 of the skeleton, and names near it stay free', async () => {
    const leaver = await signUp('gone')
    await api('/me/', authed(leaver.accessToken, { ...json({ password: leaver.password }), method: 'DELETE' }))
    const rows = await env.DB.prepare('SELECT * FROM retired_usernames WHERE skeleton_hash = ?').bind(await sha256Hex(usernameSkeleton(leaver.username))).all()
    expect(rows.results).toHaveLength(1)
    expect(JSON.stringify(rows.results).toLowerCase()).not.toContain(leaver.username.toLowerCase())
    expect((await register(`${leaver.username}x`)).status).toBe(201)
  })
})

describe('POST /reg_user/ and the "Deleted user" label', () => {
  it.each([
    ['Deleted_user', 409],
    ['deleted.user', 409],
    ['Deleted-User', 409],
    ['DeletedUser', 409],
    ['De1eted_user', 409],
    ['DELETED__USER', 409],
    ['Deleted_users', 201],
    ['Undeleted_user', 201],
  ])('answers %s with %i', async (name, status) => {
    const res = await register(name)
    expect(res.status).toBe(status)
    if (status === 409) expect(await errorCode(res)).toBe('username_taken')
  })
})
