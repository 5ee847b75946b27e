import { afterEach, describe, expect, it, vi } from 'vitest'
import { SUBPROTOCOL } from '../../../protocol/socket'
import { api, authed, createGroup, json, openSocket, ORIGIN, refreshCookie, signUp, upgrade, type TestUser as BaseUser } from '../helpers'
import { captureLogs } from '../logs'

type TestUser = BaseUser & { chatId: number; otherChatId: number }

const requestLines = (lines: Record<string, unknown>[]) => lines.filter((line) => line.event === 'request')

describe('request log', () => {
  afterEach(() => vi.restoreAllMocks())

  it('writes one JSON line per request with id, route pattern, status, duration and user', async () => {
    const user = await signUp('logged')
    const chatId = await createGroup(user)
    const logs = captureLogs()
    const res = await api(`/chat/${chatId}/history/?limit=5`, authed(user.accessToken))
    expect(res.status).toBe(200)
    expect(requestLines(logs.lines())).toEqual([
      {
        level: 'info',
        event: 'request',
        request_id: res.headers.get('X-Request-Id'),
        route: '/chat/:id/history/',
        method: 'GET',
        status: 200,
        duration_ms: expect.any(Number),
        user_id: user.id,
      },
    ])
  })

  it('names the route a guard refused and leaves the user out when there is none', async () => {
    const logs = captureLogs()
    const res = await api('/chat/12/send/', json({ message: 'hello there' }))
    expect(res.status).toBe(401)
    const lines = requestLines(logs.lines())
    expect(lines).toEqual([expect.objectContaining({ route: '/chat/:id/send/', status: 401 })])
    expect(lines[0]).not.toHaveProperty('user_id')
  })

  it('logs a page or unknown path with no route', async () => {
    const logs = captureLogs()
    await api('/users/nope/')
    expect(requestLines(logs.lines())).toEqual([expect.objectContaining({ route: null, status: 404 })])
  })

  it('never writes passwords, tokens, cookies or message text', async () => {
    const logs = captureLogs()
    const user = await signUp('secretive')
    const wrongPassword = `wrong-${crypto.randomUUID()}`
    expect((await api('/login/', json({ Email: user.email, Password: wrongPassword }))).status).toBe(401)
    const refreshed = await api('/refresh/', { method: 'POST', headers: { Cookie: user.cookie, Origin: ORIGIN } })
    expect(refreshed.status).toBe(200)
    const chatId = await createGroup(user)
    const text = `private words ${crypto.randomUUID()}`
    expect((await api(`/chat/${chatId}/send/`, authed(user.accessToken, json({ message: text })))).status).toBe(201)
    const socket = await openSocket(chatId, user.accessToken)
    socket.send({ type: 'send', text: `${text} again`, client_id: crypto.randomUUID() })
    await socket.waitFor((frame) => frame.type === 'ack')
    const refused = await upgrade(`/ws/chat/${chatId}/?token=not.a.valid-${crypto.randomUUID()}`, { Origin: ORIGIN })
    expect(refused.status).toBe(401)
    socket.ws.close(1000)

    const written = logs.raw.join('\n')
    const secrets = [user.password, wrongPassword, user.accessToken, user.cookie.split('=')[1]!, refreshCookie(refreshed)!.split('=')[1]!, text, 'not.a.valid-']
    for (const secret of secrets) expect(written).not.toContain(secret)
    expect(written).not.toContain('?token=')
    const routes = requestLines(logs.lines()).map((line) => `${line.method} ${line.route} ${line.status}`)
    expect(routes).toEqual(
      expect.arrayContaining(['POST /login/ 401', 'POST /refresh/ 200', `POST /chat/:id/send/ 201`, 'GET /ws/chat/:id/ 101', 'GET /ws/chat/:id/ 401']),
    )
  })

  // Every way a request resolves who is calling: a verified token (REST or socket, admitted or
  // refused after it), a password, a fresh account, a refresh cookie.
  it.each([
    ['a socket upgrade', async (u: TestUser) => upgrade(`/ws/chat/${u.chatId}/?token=${u.accessToken}`, { Origin: ORIGIN }), 101],
    ['a socket upgrade refused for membership', async (u: TestUser) => upgrade(`/ws/chat/${u.otherChatId}/?token=${u.accessToken}`, { Origin: ORIGIN }), 403],
    ['a live channel upgrade', async (u: TestUser) => upgrade(`/ws/me/?token=${u.accessToken}`, { Origin: ORIGIN, 'Sec-WebSocket-Protocol': SUBPROTOCOL }), 101],
    ['a sign-in', async (u: TestUser) => api('/login/', json({ Email: u.email, Password: u.password })), 200],
    ['a refresh', async (u: TestUser) => api('/refresh/', { method: 'POST', headers: { Cookie: u.cookie, Origin: ORIGIN } }), 200],
  ] as const)('writes user_id for %s', async (_, send, status) => {
    const user = await signUp('resolved')
    const stranger = await signUp('stranger')
    const subject = { ...user, chatId: await createGroup(user), otherChatId: await createGroup(stranger, 'private') }
    const logs = captureLogs()
    const res = await send(subject)
    expect(res.status).toBe(status)
    res.webSocket?.accept()
    res.webSocket?.close(1000)
    expect(requestLines(logs.lines())).toEqual([expect.objectContaining({ status, user_id: user.id })])
  })

  it('writes user_id for a sign-up', async () => {
    const logs = captureLogs()
    const user = await signUp('newcomer')
    const registered = requestLines(logs.lines()).find((line) => line.route === '/reg_user/')
    expect(registered).toMatchObject({ status: 201, user_id: user.id })
  })

  it.each(['client-chosen-id-123', 'Q9', 'Z'.repeat(64)])('logs and echoes its own request id, never the client\'s %j', async (given) => {
    const logs = captureLogs()
    const res = await api('/health', { headers: { 'X-Request-Id': given } })
    const id = res.headers.get('X-Request-Id')
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(requestLines(logs.lines())).toEqual([expect.objectContaining({ request_id: id })])
    expect(logs.raw.join('\n')).not.toContain(given)
  })
})

// Socket upgrades skip the page middleware (app.ts `unlessUpgrade`: Server-Timing, security headers,
// CORS, the D1 client, the body limit) to save CPU per connect, and keep the request id and log line.
describe('socket upgrades and page middleware', () => {
  afterEach(() => vi.restoreAllMocks())

  const cases: [string, (user: BaseUser, chatId: number) => Promise<Response>, number, boolean][] = [
    ['a room upgrade', (u, chatId) => upgrade(`/ws/chat/${chatId}/?token=${u.accessToken}`, { Origin: ORIGIN }), 101, false],
    ['a live channel upgrade', (u) => upgrade(`/ws/me/?token=${u.accessToken}`, { Origin: ORIGIN, 'Sec-WebSocket-Protocol': SUBPROTOCOL }), 101, false],
    ['a refused upgrade (bad token)', (_u, chatId) => upgrade(`/ws/chat/${chatId}/?token=not.a.token`, { Origin: ORIGIN }), 401, false],
    ['a refused upgrade (foreign Origin)', (u, chatId) => upgrade(`/ws/chat/${chatId}/?token=${u.accessToken}`, { Origin: 'https://evil.test' }), 403, false],
    ['a plain GET of the socket path (no Upgrade header)', (u, chatId) => api(`/ws/chat/${chatId}/?token=${u.accessToken}`), 400, true],
    ['a page request', () => api('/health'), 200, true],
  ]

  it.each(cases)('%s: request id and one log line; page headers only without Upgrade', async (_label, call, status, pageHeaders) => {
    const user = await signUp('upgrader')
    const chatId = await createGroup(user)
    const logs = captureLogs()
    const res = await call(user, chatId)
    expect(res.status).toBe(status)
    res.webSocket?.accept()
    res.webSocket?.close(1000)
    // A 101 goes out with the room's own headers (no X-Request-Id, as before); its log line has the id.
    const lines = requestLines(logs.lines())
    expect(lines).toEqual([expect.objectContaining({ request_id: expect.stringMatching(/^[0-9a-f-]{36}$/), status })])
    if (status !== 101) expect(res.headers.get('X-Request-Id')).toBe(lines[0]!.request_id)
    expect(res.headers.has('Server-Timing')).toBe(pageHeaders)
    expect(res.headers.has('Content-Security-Policy')).toBe(pageHeaders)
    if (status >= 400) expect(await res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } })
  })
})
