import { EXPORT_FILE_NAME, PATHS, type ChangePasswordResponse, type DeleteMeResponse, type LoginResponse, type MeResponse, type RefreshResponse, type RegisterResponse } from '../../protocol/http'
import {
  ChangePasswordRequestSchema,
  DeleteMeRequestSchema,
  LoginRequestSchema,
  RegisterRequestSchema,
  SessionIdSchema,
  UpdateMeRequestSchema,
  UsersQuerySchema,
} from '../../protocol/requests'
import { closeDeletedAccount, deleteAccount } from '../account/delete'
import { exportAccount, streamPieces } from '../account/export'
import { changePassword } from '../account/password'
import { pushChatRows } from '../live/notify'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { readBody, readQuery } from '../http/body'
import { parseInput } from '../input'
import { enforceRateLimit } from '../http/rate-limit'
import { createRouter } from '../http/router'
import { readBearerToken, requireUser } from '../http/require-user'
import { sameOrigin } from '../http/same-origin'
import { verifyAccessToken } from './access-tokens'
import { setReadReceipts } from '../rooms/receipts'
import { authenticate, getAccount, getMe, registerUser, searchUsers } from './accounts'
import { canonicalEmail } from './identifiers'
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './cookies'
import { createSession, findSessionOfToken, RefreshTokenReused, revokeSession, rotateRefreshToken } from './refresh-tokens'
import { revokeSockets } from './revocation'
import { listSessions, revokeAllSessions, revokeUserSession } from './sessions'
import { issueTokens } from './tokens'

export const authRoutes = createRouter()

// Cookie-authenticated and credential routes refuse cross-site callers (CSRF).
for (const path of [PATHS.register, PATHS.login, PATHS.refresh, PATHS.logout]) authRoutes.use(path, sameOrigin)
for (const path of ['/sessions/*', PATHS.users, PATHS.me, PATHS.mePassword, PATHS.meExport]) authRoutes.use(path, requireUser)

authRoutes.post(PATHS.register, async (c) => {
  const body = parseInput(RegisterRequestSchema, await readBody(c))
  const input = { username: body.Username, email: body.Email, password: body.Password }
  const account = await registerUser(c.var.db, input, c.var.config.passwordHashParams)
  c.set('accountId', account.id)
  return c.json<RegisterResponse>({ msg: 'Registered.', data: { Userid: account.id, Username: account.username } }, 201)
})

authRoutes.post(PATHS.login, async (c) => {
  const { Email: email, Password: password } = parseInput(LoginRequestSchema, await readBody(c))
  await enforceRateLimit(c.env.LOGIN_LIMITER, `login:${canonicalEmail(email)}`, 'Too many sign-in attempts for this account; wait a minute.')
  const account = await authenticate(c.var.db, email, password, c.var.config.passwordHashParams)
  c.set('accountId', account.id)
  const refresh = await createSession(c.var.db, account.id, c.req.header('User-Agent'))
  const tokens = await issueTokens(c.var.config.jwtKey, account, refresh.sessionId)
  setRefreshCookie(c, refresh.token)
  return c.json<LoginResponse>({ success: true, ...tokens })
})

authRoutes.post(PATHS.refresh, async (c) => {
  const presented = readRefreshCookie(c)
  if (!presented) throw new AppError('missing_token', 'No refresh token cookie; sign in again.')
  try {
    const refresh = await rotateRefreshToken(c.var.db, presented, c.req.header('User-Agent'))
    c.set('accountId', refresh.userId)
    const account = await getAccount(c.var.db, refresh.userId)
    const tokens = await issueTokens(c.var.config.jwtKey, account, refresh.sessionId)
    setRefreshCookie(c, refresh.token)
    return c.json<RefreshResponse>(tokens)
  } catch (err) {
    if (err instanceof AppError) clearRefreshCookie(c)
    // A stolen refresh token shows itself: the login is revoked, and its open sockets close now (4006).
    if (err instanceof RefreshTokenReused) await revokeSockets(c.env, c.var.db, err.userId, [err.sessionId])
    throw err
  }
})

authRoutes.post(PATHS.logout, async (c) => {
  const session = await findLogoutSession(c.var.db, readRefreshCookie(c), c.req.header('Authorization'), c.var.config.jwtKey)
  if (session) {
    await revokeSession(c.var.db, session.sessionId)
    await revokeSockets(c.env, c.var.db, session.userId, [session.sessionId])
  }
  clearRefreshCookie(c)
  return c.json({ success: true, msg: 'Signed out.' })
})

authRoutes.get(PATHS.sessions, async (c) => {
  return c.json({ sessions: await listSessions(c.var.db, c.var.user.id, c.var.user.sessionId) })
})

authRoutes.delete(PATHS.sessions, async (c) => {
  const revoked = await revokeAllSessions(c.var.db, c.var.user.id)
  await revokeSockets(c.env, c.var.db, c.var.user.id, revoked)
  clearRefreshCookie(c)
  return c.json({ success: true, msg: 'Signed out everywhere.' })
})

authRoutes.delete('/sessions/:id/', async (c) => {
  const sessionId = parseInput(SessionIdSchema, c.req.param('id'), { root: 'id' })
  await revokeUserSession(c.var.db, c.var.user.id, sessionId)
  await revokeSockets(c.env, c.var.db, c.var.user.id, [sessionId])
  return c.json({ success: true, msg: 'Session revoked.' })
})

authRoutes.get(PATHS.users, async (c) => {
  const { q, limit, offset } = parseInput(UsersQuerySchema, readQuery(c))
  const page = await searchUsers(c.var.db, c.var.user.id, { query: q, limit, offset })
  return c.json({ users: page.users, next_offset: page.nextOffset })
})

authRoutes.get(PATHS.me, async (c) => c.json<MeResponse>({ user: await getMe(c.var.db, c.var.user.id) }))

authRoutes.patch(PATHS.me, async (c) => {
  const { read_receipts } = parseInput(UpdateMeRequestSchema, await readBody(c))
  await setReadReceipts(c.env, c.var.db, c.var.user.id, read_receipts)
  return c.json<MeResponse>({ user: await getMe(c.var.db, c.var.user.id) })
})

// Password-checking routes of a signed-in account share sign-in's limiter, keyed by the account.
const accountLimit = (c: Context<AppEnv>) =>
  enforceRateLimit(c.env.LOGIN_LIMITER, `account:${c.var.user.id}`, 'Too many password attempts for this account; wait a minute.')

authRoutes.delete(PATHS.me, async (c) => {
  const { password } = parseInput(DeleteMeRequestSchema, await readBody(c))
  await accountLimit(c)
  const deleted = await deleteAccount(c.var.db, c.var.user.id, password)
  await closeDeletedAccount(c.env, c.var.db, deleted)
  // The others' list rows change: a 1:1 chat's name, a group's owner and last sender.
  c.executionCtx.waitUntil(Promise.all(deleted.leftChatIds.map((chatId) => pushChatRows(c.env, c.var.db, chatId, null))))
  clearRefreshCookie(c)
  return c.json<DeleteMeResponse>({ success: true, msg: 'Account deleted.' })
})

authRoutes.post(PATHS.mePassword, async (c) => {
  const { old_password, new_password } = parseInput(ChangePasswordRequestSchema, await readBody(c))
  await accountLimit(c)
  const revoked = await changePassword(c.var.db, c.var.user, old_password, new_password, c.var.config.passwordHashParams)
  await revokeSockets(c.env, c.var.db, c.var.user.id, revoked)
  return c.json<ChangePasswordResponse>({ success: true, msg: 'Password changed.', revoked_sessions: revoked.length })
})

authRoutes.get(PATHS.meExport, async (c) => {
  const pieces = await exportAccount(c.var.db, c.env.CHAT_ROOM, c.var.user.id)
  return c.body(streamPieces(pieces, c.var.user.id), 200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Disposition': `attachment; filename="${EXPORT_FILE_NAME}"`,
    'Cache-Control': 'no-store',
  })
})

/** Logout ends the login named by the refresh cookie, or else by a still-valid access token. */
async function findLogoutSession(
  db: Parameters<typeof findSessionOfToken>[0],
  cookie: string | undefined,
  authorization: string | undefined,
  jwtKey: Uint8Array,
): Promise<{ sessionId: string; userId: number } | null> {
  if (cookie) {
    const found = await findSessionOfToken(db, cookie)
    if (found) return found
  }
  try {
    const bearer = readBearerToken(authorization)
    if (!bearer) return null
    const user = await verifyAccessToken(jwtKey, bearer)
    return { sessionId: user.sessionId, userId: user.id }
  } catch {
    return null
  }
}
