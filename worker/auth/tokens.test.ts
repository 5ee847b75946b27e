import { describe, expect, it } from 'vitest'
import { ACCESS_TOKEN_TTL_SECONDS } from '../../protocol/http'
import { verifyAccessToken } from './access-tokens'
import { issueTokens } from './tokens'

describe('issueTokens', () => {
  it('answers a bearer access token for the account and login, with who is signed in', async () => {
    const key = crypto.getRandomValues(new Uint8Array(32))
    const account = { id: 41, username: 'ada', email: 'ada@example.test' }
    const body = await issueTokens(key, account, 'session-1')
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      user: { userid: 41, username: 'ada', email: 'ada@example.test' },
    })
    expect(await verifyAccessToken(key, body.access_token)).toMatchObject({ id: 41, username: 'ada', sessionId: 'session-1' })
  })
})
