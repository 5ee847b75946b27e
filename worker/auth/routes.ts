import { PATHS, USERS_PAGE_MAX, type LoginResponse, type RefreshResponse, type RegisterResponse } from '../../protocol/http'
import { loadConfig } from '../config'
import { AppError } from '../http/errors'
import { readBody } from '../http/body'
import { enforceRateLimit } from '../http/rate-limit'
import { createRouter } from '../http/router'
import { readBearerToken, requireUser } from '../http/require-user'
import { sameOrigin } from '../http/same-origin'
import { optionalString, parseCount } from '../http/validate'
import { issueAccessToken, verifyAccessToken } from './access-tokens'
import { authenticate, getAccount, readEmail, readPassword, readRegistration, registerUser, searchUsers, toUserBody } from './accounts'
import { canonicalEmail } from './identifiers'
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './cookies'
import { parseArgon2Params } from './passwords'
import { createSession, findSessionOfToken, revokeSession, rotateRefreshToken } from './refresh-tokens'
import { listSessions, revokeAllSessions, revokeUserSession } from './sessions'

export const authRoutes = createRouter()

// Cookie-authenticated and credential routes refuse cross-site callers (CSRF).
for (const path of [PATHS.register, PATHS.login, PATHS.refresh, PATHS.logout]) authRoutes.use(path, sameOrigin)
for (const path of ['/sessions/*', PATHS.users, PATHS.me]) authRoutes.use(path, requireUser)

authRoutes.post(PATHS.register, async (c) => {
  const input = readRegistration(await readBody(c))
  const account = await registerUser(c.var.db, input, parseArgon2Params(c.env.PASSWORD_HASH_PARAMS))
  return c.json<RegisterResponse>({ msg: 'Registered.', data: { Userid: account.id, Username: account.username } }, 201)
})

authRoutes.post(PATHS.login, async (c) => {
  const body = await readBody(c)
  const email = readEmail(body)
  const password = readPassword(body, 1)
  await enforceRateLimit(c.env.LOGIN_LIMITER, `login:${canonicalEmail(email)}`, 'Too many sign-in attempts for this account; wait a minute.')
  const account = await authenticate(c.var.db, email, password, parseArgon2Params(c.env.PASSWORD_HASH_PARAMS))
  const refresh = await createSession(c.var.db, account.id, c.req.header('User-Agent'))
  const access = await issueAccessToken((await loadConfig(c.env)).jwtKey, account, refresh.sessionId)
  setRefreshCookie(c, refresh.token)
  return c.json<LoginResponse>({
    success: true,
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.expiresInSeconds,
    user: toUserBody(account),
  })
})

authRoutes.post(PATHS.refresh, async (c) => {
  const presented = readRefreshCookie(c)
  if (!presented) throw new AppError('missing_token', 'No refresh token cookie; sign in again.')
  try {
    const refresh = await rotateRefreshToken(c.var.db, presented, c.req.header('User-Agent'))
    const account = await getAccount(c.var.db, refresh.userId)
    const access = await issueAccessToken((await loadConfig(c.env)).jwtKey, account, refresh.sessionId)
    setRefreshCookie(c, refresh.token)
    return c.json<RefreshResponse>({
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresInSeconds,
      user: toUserBody(account),
    })
  } catch (err) {
    if (err instanceof AppError) clearRefreshCookie(c)
    throw err
  }
})

authRoutes.post(PATHS.logout, async (c) => {
  const sessionId = await findLogoutSession(c.var.db, readRefreshCookie(c), c.req.header('Authorization'), c.env)
  if (sessionId) await revokeSession(c.var.db, sessionId)
  clearRefreshCookie(c)
  return c.json({ success: true, msg: 'Signed out.' })
})

authRoutes.get(PATHS.sessions, async (c) => {
  return c.json({ sessions: await listSessions(c.var.db, c.var.user.id, c.var.user.sessionId) })
})

authRoutes.delete(PATHS.sessions, async (c) => {
  await revokeAllSessions(c.var.db, c.var.user.id)
  clearRefreshCookie(c)
  return c.json({ success: true, msg: 'Signed out everywhere.' })
})

authRoutes.delete('/sessions/:id/', async (c) => {
  await revokeUserSession(c.var.db, c.var.user.id, c.req.param('id'))
  return c.json({ success: true, msg: 'Session revoked.' })
})

authRoutes.get(PATHS.users, async (c) => {
  const query = optionalString({ q: c.req.query('q') }, 'q', { min: 0, max: 64 }) ?? ''
  const limit = Math.max(1, parseCount(c.req.query('limit'), 'limit', 20, USERS_PAGE_MAX))
  const offset = parseCount(c.req.query('offset'), 'offset', 0, 1_000_000)
  const page = await searchUsers(c.var.db, c.var.user.id, { query, limit, offset })
  return c.json({ users: page.users, next_offset: page.nextOffset })
})

authRoutes.get(PATHS.me, async (c) => c.json({ user: toUserBody(await getAccount(c.var.db, c.var.user.id)) }))

/** Logout ends the login named by the refresh cookie, or else by a still-valid access token. */
async function findLogoutSession(
  db: Parameters<typeof findSessionOfToken>[0],
  cookie: string | undefined,
  authorization: string | undefined,
  env: Parameters<typeof loadConfig>[0],
): Promise<string | null> {
  if (cookie) {
    const found = await findSessionOfToken(db, cookie)
    if (found) return found.sessionId
  }
  try {
    const bearer = readBearerToken(authorization)
    if (!bearer) return null
    return (await verifyAccessToken((await loadConfig(env)).jwtKey, bearer)).sessionId
  } catch {
    return null
  }
}
