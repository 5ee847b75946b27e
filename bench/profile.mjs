#!/usr/bin/env node
// node bench/profile.mjs [--members 100] [--rooms 1] [--seconds 4] [--out DIR]
// CPU profile of the app's room under fan-out saturation: starts the app (snapshot, own process
// group), fills R rooms (default 1) with N member sockets each, drives them at saturation (the
// senders per room of the bench's fan-out or, with --rooms > 1, many-rooms scenario) and samples the worker's JS
// thread through wrangler dev's inspector (127.0.0.1:9229, Chrome DevTools protocol). Writes the
// self/inclusive time per function to profile.md and the raw .cpuprofile (open it in DevTools).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { AppApi } from './lib/app-api.mjs'
import { runLoad } from './lib/load.mjs'
import { closeAll } from './lib/socket.mjs'
import { killAllNow, snapshotApp, startApp, stopServer, waitHealthy } from './lib/servers.mjs'
import { pool, withDeadline } from './lib/stats.mjs'
import { appTarget } from './lib/targets.mjs'

const { values: args } = parseArgs({
  options: {
    members: { type: 'string', default: '100' },
    rooms: { type: 'string', default: '1' },
    upgrades: { type: 'string' },
    seconds: { type: 'string', default: '4' },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results') },
    port: { type: 'string', default: '8790' },
  },
})
const INSPECTOR = 'http://127.0.0.1:9229'
const members = Number(args.members)
const roomCount = Number(args.rooms)

process.on('exit', killAllNow)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130))
setTimeout(() => {
  console.error('profile: hard limit of 180 s reached')
  process.exit(2)
}, 180000).unref()

function inspectorCall(socket) {
  let id = 0
  return (method, params = {}) =>
    withDeadline(
      new Promise((resolve) => {
        const mine = ++id
        const onMessage = (data) => {
          const msg = JSON.parse(data)
          if (msg.id !== mine) return
          socket.off('message', onMessage)
          resolve(msg.result)
        }
        socket.on('message', onMessage)
        socket.send(JSON.stringify({ id: mine, method, params }))
      }),
      30000,
      `inspector ${method}`,
    )
}

/** Self and inclusive share of samples per function (name file:line). */
function summarize(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const label = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? `${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : '(native)'}`
  const self = new Map()
  const inclusive = new Map()
  for (const id of profile.samples) {
    const key = label(nodes.get(id))
    self.set(key, (self.get(key) ?? 0) + 1)
    const seen = new Set()
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const k = label(nodes.get(at))
      if (seen.has(k)) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + 1)
    }
  }
  const total = profile.samples.length
  const top = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `| ${((v / total) * 100).toFixed(1)}% | \`${k}\` |`)
  return { total, self: top(self, 25), inclusive: top(inclusive, 30) }
}

async function main() {
  const runDir = path.join(import.meta.dirname, '.tmp', `profile-${process.pid}`)
  rmSync(runDir, { recursive: true, force: true })
  mkdirSync(args.out, { recursive: true })
  const appRoot = snapshotApp(path.join(runDir, 'app'))
  // The one server the bench starts with wrangler dev's inspector: the profile is taken through it.
  const app = startApp({ appRoot, port: args.port, persistDir: path.join(runDir, 'state'), logFile: path.join(runDir, 'app.log'), inspector: true })
  try {
    await waitHealthy(app, 90000)
    const api = new AppApi(app.url)
    const tag = `${process.pid}${Date.now().toString(36)}`
    const users = await pool(5, 1, async (i) => {
      const email = `prof-${tag}-${i}@example.test`
      await api.register(`prof${tag}u${i}`.slice(0, 32), email, `prof-password-${tag}`)
      return api.login(email, `prof-password-${tag}`)
    })
    const target = appTarget(app, users)
    const rooms = []
    // --upgrades N: profile N socket upgrades into one fresh room (16 at a time, as the bench's row) instead of a load.
    const upgradeRoom = args.upgrades ? await target.createRoom() : null
    if (!upgradeRoom) for (let r = 0; r < roomCount; r++) rooms.push(await (await target.createRoom()).openSockets(members))
    const targets = await (await fetch(`${INSPECTOR}/json`, { signal: AbortSignal.timeout(5000) })).json()
    if (!targets.length) throw new Error('no inspector target on 127.0.0.1:9229')
    const socket = new WebSocket(targets[0].webSocketDebuggerUrl)
    await withDeadline(new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject)), 5000, 'inspector connect')
    const call = inspectorCall(socket)
    await call('Profiler.enable')
    await call('Profiler.setSamplingInterval', { interval: 100 })
    await call('Profiler.start')
    const senders = roomCount > 1 ? Math.ceil(100 / roomCount) : Math.min(members, 100, Math.max(4, Math.ceil(8000 / members)))
    let load
    if (upgradeRoom) {
      const started = performance.now()
      const opened = await upgradeRoom.openSockets(Number(args.upgrades), { concurrency: 16 })
      load = { upgrades_per_s: Math.round(opened.length / ((performance.now() - started) / 1000)) }
      await closeAll(opened)
    } else {
      load = await runLoad(rooms.map((sockets) => ({ sockets, senders: sockets.slice(0, senders) })), { warmupMs: 500, measureMs: Number(args.seconds) * 1000, server: app })
    }
    const { profile } = await call('Profiler.stop')
    socket.close()
    const summary = summarize(profile)
    writeFileSync(path.join(args.out, 'profile.cpuprofile'), JSON.stringify(profile))
    const md = [
      upgradeRoom ? `# CPU profile of ${args.upgrades} socket upgrades into one room, 16 at a time` : `# CPU profile of the room: ${roomCount} x ${members} member sockets, ${senders} senders per room at saturation`,
      '',
      upgradeRoom ? `${new Date().toISOString()}; ${load.upgrades_per_s} upgrades/s under the profiler, ${summary.total} samples of the worker's JS thread (\`node bench/profile.mjs --upgrades ${args.upgrades}\`).` : `${new Date().toISOString()}; ${load.stored_msgs_per_s} msg/s stored, ${load.deliveries_per_s} deliveries/s, server CPU ${load.server_cpu_utilization} cores, ${summary.total} samples of the worker's JS thread (\`node bench/profile.mjs --members ${members} --rooms ${roomCount}\`).`,
      '',
      '## Self time',
      '| share | function |',
      '| ---: | --- |',
      ...summary.self,
      '',
      '## Inclusive time',
      '| share | function |',
      '| ---: | --- |',
      ...summary.inclusive,
      '',
    ].join('\n')
    writeFileSync(path.join(args.out, 'profile.md'), md)
    console.log(md)
  } finally {
    await stopServer(app)
    rmSync(runDir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`profile: ${err.stack ?? err}`)
    process.exit(1)
  },
)
