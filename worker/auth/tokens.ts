import type { RefreshResponse } from '../../protocol/http'
import { issueAccessToken } from './access-tokens'
import { toUserBody, type Account } from './accounts'

/**
 * The answer to a sign-in or a refresh: a fresh access token (HS256 with `jwtKey`, lifetime
 * ACCESS_TOKEN_TTL_SECONDS) for `account`'s login `sessionId`, and who is signed in. The refresh
 * token is not in the body: the route sets it as the HttpOnly cookie (cookies.ts).
 */
export async function issueTokens(jwtKey: Uint8Array, account: Account, sessionId: string, nowMs = Date.now()): Promise<RefreshResponse> {
  const access = await issueAccessToken(jwtKey, account, sessionId, nowMs)
  return { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresInSeconds, user: toUserBody(account) }
}
