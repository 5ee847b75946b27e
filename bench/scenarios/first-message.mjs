// Time to first message: a new user registers, signs in, opens a 1:1 with an existing user, connects,
// and their first message reaches the other person's socket. Users go one at a time (serially), so
// the workerd processes' CPU time (/proc utime + stime, 10 ms ticks) read around each step is that
// step's cost plus idle overhead; summed over N users and divided by N it is the CPU per step.
// workerd exposes no per-request CPU time locally: Server-Timing (hono/timing, the app's `worker`
// total) is the worker's wall time in milliseconds, and the inspector's CPU profile samples one JS
// thread, not a request. The idle rate, read over a pause before the steps, is subtracted too.
import { PATHS } from '../lib/protocol.mjs'
import { serverCpu } from '../lib/servers.mjs'
import { closeAll, openSocket } from '../lib/socket.mjs'
import { percentiles, round, sleep, withDeadline } from '../lib/stats.mjs'

const STEPS = ['register', 'sign_in', 'open_chat', 'connect', 'peer_connect', 'first_delivery']

export async function firstMessage(target, { users: count, log }) {
  const api = target.api
  const peer = target.users[0]
  const server = target.server
  const tag = `${process.pid}${Date.now().toString(36)}`
  const wall = Object.fromEntries(STEPS.map((s) => [s, []]))
  const workerMs = Object.fromEntries(STEPS.map((s) => [s, []]))
  const cpuS = Object.fromEntries(STEPS.map((s) => [s, 0]))
  const cpu = () => serverCpu(server).workerd
  // Idle CPU of the workerd processes (timers, wrangler's proxy): subtracted per step wall time.
  const idleFrom = cpu()
  await sleep(2000)
  const idleCoresPerMs = (cpu() - idleFrom) / 2000

  const sockets = []
  let missing = 0
  try {
    for (let i = 0; i < count; i++) {
      const email = `first-${tag}-${i}@example.test`
      const password = `first-password-${i}-${tag}`
      const step = async (name, fn) => {
        const before = cpu()
        const started = performance.now()
        const result = await fn()
        const ms = performance.now() - started
        wall[name].push(ms)
        cpuS[name] += cpu() - before
        const timing = result?.headers?.get?.('server-timing')
        const dur = timing && /worker;.*?dur=([\d.]+)/.exec(timing)?.[1]
        if (dur) workerMs[name].push(Number(dur))
        return result
      }
      await step('register', async () => expectStatus(await api.request('POST', PATHS.register, { body: { Username: `first${tag}u${i}`.slice(0, 32), Email: email, Password: password } }), 201))
      const login = await step('sign_in', async () => expectStatus(await api.request('POST', PATHS.login, { body: { Email: email, Password: password } }), 200))
      const token = JSON.parse(login.text).access_token
      const opened = await step('open_chat', async () => expectStatus(await api.request('POST', '/chat/private/', { token, body: { user_id: peer.userId } }), 201, 200))
      const chatId = JSON.parse(opened.text).chat_id
      const mine = await step('connect', () => openSocket(api.socketUrl(chatId, token), { origin: server.url }))
      sockets.push(mine)
      const theirs = await step('peer_connect', () => openSocket(api.socketUrl(chatId, peer.token), { origin: server.url }))
      sockets.push(theirs)
      const clientId = `first-${tag}-${i}`
      await step('first_delivery', async () => {
        const delivered = new Promise((resolve) => {
          theirs.onFrame = (kind, id) => kind === 'message' && id === clientId && resolve()
        })
        mine.ws.send(JSON.stringify({ type: 'send', client_id: clientId, text: 'hello' }))
        await withDeadline(delivered, 10000, 'first message delivered').catch(() => missing++)
      })
    }
  } finally {
    await closeAll(sockets)
  }
  const steps = {}
  for (const name of STEPS) {
    const totalWallMs = wall[name].reduce((a, b) => a + b, 0)
    steps[name] = {
      wall_ms: percentiles(wall[name], [50, 95]),
      worker_wall_ms: workerMs[name].length ? percentiles(workerMs[name], [50, 95]) : null,
      cpu_ms_per_user: round((cpuS[name] * 1000) / count, 1),
      cpu_ms_per_user_minus_idle: round(((cpuS[name] - idleCoresPerMs * totalWallMs) * 1000) / count, 1),
    }
  }
  const total = wall.register.map((_, i) => STEPS.filter((s) => s !== 'peer_connect').reduce((sum, s) => sum + wall[s][i], 0))
  const row = {
    scenario: 'first-message',
    target: target.name,
    users: count,
    steps,
    total_wall_ms: percentiles(total, [50, 95]),
    idle_cpu_cores: round(idleCoresPerMs * 1000, 3),
    undelivered: missing,
    cpu_source: 'workerd processes /proc utime+stime around each step, users one at a time, divided by N (10 ms ticks); no per-request CPU is exposed locally',
  }
  log(`first-message: ${STEPS.map((s) => `${s} p50 ${steps[s].wall_ms.p50} ms / ${steps[s].cpu_ms_per_user} ms CPU`).join('; ')}`)
  if (missing) throw new Error(`${missing} first messages not delivered`)
  return [row]
}

function expectStatus(res, ...ok) {
  if (!ok.includes(res.status)) throw new Error(`${res.status} ${res.text.slice(0, 200)}`)
  return res
}
