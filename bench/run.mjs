#!/usr/bin/env node
// npm run bench [-- --quick] [--out DIR] [--only a,b] [--state-in-memory] [--app-port N] [--baseline-port N] [--shaped-port N]
// Starts the app (scripts/start.mjs) and the bare broadcast baseline (bench/baseline) in workerd,
// drives both from this process over 127.0.0.1, prints a table and writes JSON, SVG and markdown
// results. Servers run in their own process groups and are always killed on the way out.
// --state-in-memory keeps both servers' persisted state (the app's D1, R2 and Durable Object SQLite)
// on tmpfs (/dev/shm/edge-chat-bench-<run>, removed on any exit) instead of the disk: every room commit is an fsync, and this machine's disk is
// shared by all rooms (see docs/performance.md); results get a `-tmpfs` suffix, never replacing a
// disk run's.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { AppApi } from './lib/app-api.mjs'
import { checkPaths } from './lib/protocol.mjs'
import { addRatios, formatTable, machineLine, writeResults } from './lib/report.mjs'
import { costTable } from './cost.mjs'
import { killAllNow, packageVersion, restartServer, serverFdLimit, snapshotApp, startApp, startBaseline, stopServer, waitHealthy, workerdVersion } from './lib/servers.mjs'
import { pool } from './lib/stats.mjs'
import { appTarget, baselineTarget } from './lib/targets.mjs'
import { attachments } from './scenarios/attachments.mjs'
import { cost } from './scenarios/cost.mjs'
import { fanOut } from './scenarios/fan-out.mjs'
import { firstMessage } from './scenarios/first-message.mjs'
import { history } from './scenarios/history.mjs'
import { live } from './scenarios/live.mjs'
import { login } from './scenarios/login.mjs'
import { manyRooms, MEMBERS_PER_ROOM } from './scenarios/many-rooms.mjs'
import { micro } from './scenarios/micro.mjs'
import { resume } from './scenarios/resume.mjs'
import { shards } from './scenarios/shards.mjs'
import { storm } from './scenarios/storm.mjs'
import { upgrades } from './scenarios/upgrades.mjs'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results') },
    only: { type: 'string' },
    ablation: { type: 'string' },
    'state-in-memory': { type: 'boolean', default: false },
    'app-port': { type: 'string', default: '8790' },
    'baseline-port': { type: 'string', default: '8792' },
    'shaped-port': { type: 'string', default: '8794' },
  },
})

const QUICK = {
  users: 5,
  fanOutSizes: [10, 100],
  fixedRate: 20,
  roomCounts: [10],
  roomsSaturation: false,
  ablation: [],
  warmupMs: 300,
  measureMs: 1500,
  repeats: 1,
  resumeMissed: 200,
  resumeRepeats: 3,
  stormMembers: 100,
  storms: 3,
  stormMissed: 10,
  historyMessages: 1000,
  historyRealMessages: 1000,
  historySamples: 15,
  concurrentLogins: 4,
  upgrades: 40,
  liveMembers: 100,
  idleChannels: 1000,
  storageRows: 10000,
  attachmentMib: 10,
  attachmentRepeats: 2,
  firstMessageUsers: 3,
  costMessages: 100,
  costSparse: 5,
  shards: 4,
  perShard: 250,
  // A guard against a hang, not a time budget: 120 s was overrun at load average 10 (the run had
  // reached its last scenarios), and the smoke run must finish wherever CI runs.
  hardLimitS: 300,
}
const FULL = {
  users: 20,
  fanOutSizes: [1, 10, 100, 500],
  fixedRate: 20,
  roomCounts: [10, 50, 200],
  roomsSaturation: true,
  ablation: ['store', 'store-batch', 'crypto', 'full', 'full-locked', 'full-batch', 'app-sql', 'app-attach', 'decrypt-each'],
  warmupMs: 1000,
  measureMs: 4000,
  repeats: 3,
  resumeMissed: 1000,
  resumeRepeats: 5,
  stormMembers: 500,
  storms: 8,
  stormMissed: 10,
  historyMessages: 100000,
  historyRealMessages: 2000,
  historySamples: 40,
  concurrentLogins: 12,
  upgrades: 400,
  liveMembers: 100,
  idleChannels: 1000,
  storageRows: 100000,
  attachmentMib: 10,
  attachmentRepeats: 5,
  firstMessageUsers: 10,
  costMessages: 500,
  costSparse: 20,
  shards: 4,
  perShard: 500,
  hardLimitS: 900,
}
// workerd holds about 6 file descriptors per WebSocket (6,052 for 1,000 sockets, measured).
const FDS_PER_SOCKET = 6.5
const config = args.quick ? QUICK : FULL
const only = args.only ? new Set(args.only.split(',')) : null
// The quick run (CI's smoke run) leaves these out unless named with --only.
const FULL_ONLY = new Set(['first-message', 'cost', 'shards'])
const wanted = (name) => (only ? only.has(name) : !(args.quick && FULL_ONLY.has(name)))

const startedAt = new Date()
// Other work on a shared machine skews every figure; the load average is recorded with the results.
const loadAtStart = Math.round(os.loadavg()[0] * 100) / 100
const t0 = performance.now()
const log = (msg) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`)

// `--state-in-memory`'s directory on tmpfs: it holds the servers' databases in RAM, so it goes with us
// too (signals and the watchdog exit through process.exit, which skips main's finally).
const MEMORY_STATE_PREFIX = 'edge-chat-bench-'
let memoryState = null

// Whatever happens, the servers go down with us.
process.on('exit', () => {
  killAllNow()
  if (memoryState) rmSync(memoryState, { recursive: true, force: true })
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAllNow()
    process.exit(130)
  })
}
// The cost scenario restarts the app and opens 500 sockets three times over: give it its own time.
const hardLimitS = config.hardLimitS + (wanted('cost') ? 180 : 0) + (wanted('shards') ? 240 : 0)
const watchdog = setTimeout(() => {
  console.error(`bench: hard limit of ${hardLimitS} s reached; stopping servers`)
  killAllNow()
  process.exit(2)
}, hardLimitS * 1000)
watchdog.unref()

const rows = []
async function step(name, target, fn) {
  if (!wanted(name)) return
  try {
    rows.push(...(await fn()))
  } catch (err) {
    log(`${name} (${target}) FAILED: ${err.message}`)
    rows.push({ scenario: name, target, error: err.message })
  }
}

async function setUpUsers(server, count) {
  const api = new AppApi(server.url)
  const tag = `${process.pid}${Date.now().toString(36)}`
  const credentials = Array.from({ length: count }, (_, i) => ({
    username: `bench${tag}u${i}`.slice(0, 32),
    email: `bench-${tag}-${i}@example.test`,
    password: `bench-password-${i}-${tag}`,
  }))
  await pool(count, 2, (i) => api.register(credentials[i].username, credentials[i].email, credentials[i].password))
  const users = await pool(count, 2, (i) => api.login(credentials[i].email, credentials[i].password))
  return { credentials, users }
}

async function main() {
  checkPaths()
  // An interrupted run (SIGINT, SIGKILL) leaves its snapshot and state behind; keep only the logs.
  const tmp = path.join(import.meta.dirname, '.tmp')
  for (const old of existsSync(tmp) ? readdirSync(tmp) : []) {
    for (const sub of ['app', 'app-state', 'baseline-state', 'shaped-state', 'state']) rmSync(path.join(tmp, old, sub), { recursive: true, force: true })
  }
  const runDir = path.join(import.meta.dirname, '.tmp', `${startedAt.toISOString().replace(/[:.]/g, '-')}-${process.pid}`)
  mkdirSync(runDir, { recursive: true })
  mkdirSync(args.out, { recursive: true })
  log(`${args.quick ? 'quick' : 'full'} run; logs and state in ${path.relative(process.cwd(), runDir)}`)
  if (args['state-in-memory'] && !existsSync('/dev/shm')) throw new Error('--state-in-memory needs tmpfs at /dev/shm (Linux)')
  // A run killed outright (SIGKILL) left its tmpfs state behind: remove those whose bench is gone.
  for (const old of args['state-in-memory'] ? readdirSync('/dev/shm') : []) {
    if (old.startsWith(MEMORY_STATE_PREFIX) && !isAlive(Number(old.split('-').pop()))) rmSync(path.join('/dev/shm', old), { recursive: true, force: true })
  }
  const stateRoot = args['state-in-memory'] ? path.join('/dev/shm', `${MEMORY_STATE_PREFIX}${path.basename(runDir)}`) : runDir
  if (stateRoot !== runDir) memoryState = stateRoot
  mkdirSync(stateRoot, { recursive: true })
  const appState = path.join(stateRoot, 'app-state')
  const appRoot = snapshotApp(path.join(runDir, 'app'))
  const app = startApp({ appRoot, port: args['app-port'], persistDir: appState, logFile: path.join(runDir, 'app.log') })
  const baseline = startBaseline({ port: args['baseline-port'], persistDir: path.join(stateRoot, 'baseline-state'), logFile: path.join(runDir, 'baseline.log') })
  // The upgrades row's second yardstick: the bare baseline behind the app's asset router and logging
  // one line per upgrade (bench/baseline/wrangler.shaped.toml), so the app's own cost shows apart from the local platform's.
  const shaped = wanted('upgrades')
    ? startBaseline({ port: args['shaped-port'], persistDir: path.join(stateRoot, 'shaped-state'), logFile: path.join(runDir, 'baseline-shaped.log'), shaped: true })
    : null
  try {
    await Promise.all([waitHealthy(app, 90000), waitHealthy(baseline, 90000), shaped && waitHealthy(shaped, 90000)])
    log(`servers ready: app ${app.url}, baseline ${baseline.url}${shaped ? `, baseline-shaped ${shaped.url}` : ''}`)
    const base = baselineTarget(baseline)
    const fdLimit = Math.min(serverFdLimit(app) ?? Infinity, serverFdLimit(baseline) ?? Infinity)
    const maxSockets = Number.isFinite(fdLimit) ? Math.floor((fdLimit * 0.85) / FDS_PER_SOCKET) : Infinity
    log(`server fd limit ${fdLimit}: at most ${maxSockets} sockets per server`)
    await step('micro', 'baseline', () => micro(baseline, { storageRows: config.storageRows, log }))

    let target = null
    let credentials = []
    try {
      const setup = await setUpUsers(app, config.users)
      credentials = setup.credentials
      target = appTarget(app, setup.users)
      log(`${config.users} users registered and logged in`)
    } catch (err) {
      log(`app users: FAILED (${err.message}); app scenarios skipped`)
      rows.push({ scenario: 'setup', target: 'app', error: err.message })
    }
    const appStep = (name, fn) => (target ? step(name, 'app', fn) : wanted(name) && rows.push({ scenario: name, target: 'app', error: 'skipped: user setup failed' }))

    if (target) await appStep('login', () => login(target, baseline, { credentials, concurrentLogins: config.concurrentLogins, log }))
    // The baseline and the app are measured side by side, alternating, so drift on a shared machine
    // hits both alike (see scenarios/fan-out.mjs).
    const pair = target ? [base, target] : [base]
    const loadStep = (name, fn) => step(name, pair.map((t) => t.name).join('+'), fn)
    if (!target && (wanted('fan-out') || wanted('many-rooms'))) rows.push({ scenario: 'fan-out/many-rooms', target: 'app', error: 'skipped: user setup failed' })
    for (const size of config.fanOutSizes) {
      await loadStep('fan-out', () => fanOut(pair, { size, fixedRate: config.fixedRate, warmupMs: config.warmupMs, measureMs: config.measureMs, repeats: size >= 100 ? config.repeats : 1, log }))
    }
    // Many rooms also against the baseline's `full-batch` variant (AES-GCM + one SQLite transaction per
    // batch, as the app stores): the bare object stores nothing, so its ratio mixes the cost of
    // durability with the app's own; this row separates them. Only where both of the baseline's rooms
    // fit under the descriptor limit at once (they share one server).
    const durable = baselineTarget(baseline, 'full-batch')
    for (const rooms of config.roomCounts) {
      const targets = target && rooms * MEMBERS_PER_ROOM * 2 <= maxSockets ? [base, durable, target] : pair
      await step('many-rooms', targets.map((t) => t.name).join('+'), () => manyRooms(targets, { rooms, warmupMs: config.warmupMs, measureMs: config.measureMs, repeats: config.repeats, saturation: config.roomsSaturation, maxSockets, log }))
    }
    for (const mode of args.ablation ? args.ablation.split(',') : config.ablation) {
      await step('ablation', `baseline-${mode}`, () => fanOut([baselineTarget(baseline, mode)], { size: 100, fixedRate: config.fixedRate, warmupMs: config.warmupMs, measureMs: config.measureMs, log }))
    }
    const upgradeTargets = shaped ? [base, baselineTarget(shaped, 'bare', 'baseline-shaped'), ...pair.slice(1)] : pair
    await step('upgrades', upgradeTargets.map((t) => t.name).join('+'), () => upgrades(upgradeTargets, { count: config.upgrades, repeats: config.repeats, log }))
    await appStep('resume', () => resume(target, { missed: config.resumeMissed, repeats: config.resumeRepeats, log }))
    await loadStep('storm', () => storm(pair, { members: config.stormMembers, storms: config.storms, missed: config.stormMissed, log }))
    await appStep('live', () => live(target, { members: config.liveMembers, warmupMs: config.warmupMs, measureMs: config.measureMs, idleChannels: config.idleChannels, maxSockets, log }))
    await appStep('attachments', () => attachments(target, { megabytes: config.attachmentMib, repeats: config.attachmentRepeats, log }))
    await appStep('history', () => history(target, { messages: config.historyMessages, realMessages: config.historyRealMessages, samples: config.historySamples, persistDir: appState, log }))
    await appStep('first-message', () => firstMessage(target, { users: config.firstMessageUsers, log }))
    // Restarts the app with ROOM_SHARD_MEMBERS set, and back: after every row that needs the app as started.
    await appStep('shards', () =>
      shards(app, target.users, {
        shards: config.shards,
        perShard: Math.min(config.perShard, Math.floor(maxSockets / 2 / config.shards)),
        // A 1,000-socket room stores about 10 msg/s here: a longer window than the quick default counts enough of them.
        warmupMs: Math.max(config.warmupMs, 1000),
        measureMs: Math.max(config.measureMs, 5000),
        repeats: config.repeats,
        log,
      }),
    )
    // Last: the usage counters (worker/metering/) wrap the objects' entry points and every SQL call,
    // so the app restarts with them on the same state, after every timed scenario has run.
    await appStep('cost', async () => {
      await restartServer(app, 90000, ['--no-build', '--var', 'BENCH_METER:1'])
      return cost(target, { messages: config.costMessages, sparse: config.costSparse, log })
    })
  } finally {
    await Promise.all([stopServer(app), stopServer(baseline), shaped && stopServer(shaped)])
    rmSync(path.join(stateRoot, 'app-state'), { recursive: true, force: true })
    rmSync(appRoot, { recursive: true, force: true })
    rmSync(path.join(stateRoot, 'baseline-state'), { recursive: true, force: true })
    rmSync(path.join(stateRoot, 'shaped-state'), { recursive: true, force: true })
    if (stateRoot !== runDir) rmSync(stateRoot, { recursive: true, force: true })
  }

  addRatios(rows)
  const results = {
    quick: args.quick,
    started_at: startedAt.toISOString(),
    wall_s: Math.round((performance.now() - t0) / 100) / 10,
    state: args['state-in-memory'] ? 'tmpfs (/dev/shm)' : 'disk',
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      wrangler: packageVersion('wrangler'),
      miniflare: packageVersion('miniflare'),
      workerd: workerdVersion(),
      ws: packageVersion('ws'),
      open_files_limit: await openFilesLimit(),
      load_avg_1m_at_start: loadAtStart,
      load_avg_1m_at_end: Math.round(os.loadavg()[0] * 100) / 100,
    },
    config,
    rows,
  }
  // A run of named scenarios must not replace the committed results of a whole run.
  const name = `${args.quick ? 'quick' : 'full'}${only ? `-only-${[...only].sort().join('-')}` : ''}${args['state-in-memory'] ? '-tmpfs' : ''}`
  const files = writeResults(args.out, name, results)
  console.log(`\n${machineLine(results)}\n\n${formatTable(rows)}\n`)
  if (rows.some((r) => r.scenario === 'cost' && !r.error)) console.log(`${costTable(results)}\n`)
  log(`wrote ${Object.values(files).map((f) => path.relative(process.cwd(), f)).join(', ')}`)
  const failed = rows.filter((r) => r.error)
  if (failed.length) log(`${failed.length} scenario(s) failed or were skipped: ${failed.map((r) => `${r.scenario}/${r.target}`).join(', ')}`)
  return failed.length === 0
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

async function openFilesLimit() {
  const { readFileSync } = await import('node:fs')
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))
  return line ? Number(line.split(/\s+/)[3]) : null
}

main().then(
  (ok) => {
    clearTimeout(watchdog)
    process.exit(ok ? 0 : 1)
  },
  (err) => {
    console.error(`bench: ${err.stack ?? err}`)
    killAllNow()
    process.exit(1)
  },
)
