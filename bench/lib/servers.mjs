// Starts and stops the servers the bench measures. Each runs in its own process group (detached),
// so stopping kills the launcher's node process, both workerd processes and esbuild at once, also when
// the bench fails or is interrupted. Both run through scripts/dev-worker.mjs (wrangler's
// unstable_startWorker) without the DevTools inspector, as production runs: under the `wrangler dev`
// CLI every console.log in the worker is relayed over the inspector at about 2.5 ms of CPU a line, and
// the app logs a line per request while the baseline logs none (docs/performance.md).
import { spawn } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..', '..')
const started = new Set()

// Both servers get the same environment: offline Request.cf, no telemetry, request logging off
// (wrangler prints a line per HTTP request in its node process, which would tax the app and the
// baseline unevenly). BENCH_WRANGLER_LOG=debug brings the logs back for a post-mortem.
const serverEnv = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_LOG: process.env.BENCH_WRANGLER_LOG ?? 'warn',
}

// Not part of the app, or rebuilt by start.mjs inside the copy.
const SNAPSHOT_SKIP = new Set(['node_modules', '.git', '.wrangler', 'dist', 'bench', 'docs', 'web/e2e', '.ci'])

/**
 * Copies the working tree (with .dev.vars) into `dir`. wrangler dev reloads the worker, dropping every
 * socket, whenever a watched source file changes; running from a copy keeps a bench immune to edits
 * made while it runs. node_modules is a real directory of per-package symlinks into the repo's, never
 * one symlink to it: a tool that deletes the copy's node_modules then removes links, not packages.
 */
export function snapshotApp(dir) {
  for (const entry of readdirSync(root)) {
    if (SNAPSHOT_SKIP.has(entry)) continue
    cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true, preserveTimestamps: true, filter: (src) => !SNAPSHOT_SKIP.has(path.relative(root, src)) })
  }
  const modules = path.join(root, 'node_modules')
  mkdirSync(path.join(dir, 'node_modules'))
  for (const entry of readdirSync(modules)) {
    if (entry === '.package-lock.json') continue
    symlinkSync(path.join(modules, entry), path.join(dir, 'node_modules', entry))
  }
  const marker = path.join(dir, 'node_modules', '.package-lock.json')
  copyFileSync(path.join(modules, '.package-lock.json'), marker)
  const { atime, mtime } = statSync(path.join(modules, '.package-lock.json'))
  utimesSync(marker, atime, mtime)
  // scripts/ensure-deps.mjs runs `npm ci` when this marker is older than package-lock.json; refuse
  // rather than let an install run inside the copy.
  if (mtime.getTime() < statSync(path.join(dir, 'package-lock.json')).mtimeMs) {
    throw new Error('node_modules is older than package-lock.json: run `npm ci` (or `npm start` once) before the bench')
  }
  return dir
}

/**
 * The app, started the README's way (scripts/start.mjs) from `appRoot` (the repo or a snapshot), with
 * --no-inspector. `inspector: true` keeps wrangler dev's DevTools inspector on 127.0.0.1:9229 instead,
 * for bench/profile.mjs, which samples the worker through it.
 */
export function startApp({ appRoot = root, port, persistDir, logFile, build = true, inspector = false }) {
  const args = [path.join(appRoot, 'scripts', 'start.mjs'), '--port', String(port), '--persist-to', persistDir]
  if (!build) args.push('--no-build')
  if (!inspector) args.push('--no-inspector')
  return launch('app', process.execPath, args, port, logFile, appRoot)
}

/**
 * The bare broadcast baseline (bench/baseline), through the app's own launcher (scripts/dev-worker.mjs).
 * `shaped`: the same worker in the app's platform shape (bench/baseline/wrangler.shaped.toml: static
 * assets in front, one log line per upgrade), for the upgrades row.
 */
export function startBaseline({ port, persistDir, logFile, shaped = false }) {
  const args = [
    path.join(root, 'scripts', 'dev-worker.mjs'),
    '-c',
    // BENCH_BASELINE_CONFIG swaps the bare config for experiments.
    shaped ? 'bench/baseline/wrangler.shaped.toml' : (process.env.BENCH_BASELINE_CONFIG ?? 'bench/baseline/wrangler.toml'),
    '--port',
    String(port),
    '--persist-to',
    persistDir,
  ]
  return launch(shaped ? 'baseline-shaped' : 'baseline', process.execPath, args, port, logFile)
}

function launch(name, cmd, args, port, logFile, cwd = root) {
  const server = { name, url: `http://127.0.0.1:${port}`, logFile, cwd, launchArgs: [cmd, args] }
  spawnInto(server)
  return server
}

function spawnInto(server) {
  const [cmd, args] = server.launchArgs
  const log = openSync(server.logFile, 'a')
  // workerd holds about 6 file descriptors per open WebSocket (measured: 6,052 for 1,000), so the
  // default 20,000 would cap a server near 3,300 sockets. Raise the servers' own limit as far as
  // this user may; `exec` keeps the pid (and process group) of the launched command.
  const raise = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"'
  const child = spawn('/bin/sh', ['-c', raise, cmd, ...args], { cwd: server.cwd, env: serverEnv, detached: true, stdio: ['ignore', log, log] })
  server.pid = child.pid
  server.exited = false
  // After a restart the old child's exit may be reported late: only the current child counts.
  child.on('exit', () => server.pid === child.pid && (server.exited = true))
  started.add(server)
}

/** Stops the server and starts it again with the same command (same port, same persisted state). */
export async function restartServer(server, timeoutMs, extraArgs = [], whileStopped = async () => {}) {
  await stopServer(server)
  await whileStopped()
  server.launchArgs = [server.launchArgs[0], [...server.launchArgs[1], ...extraArgs.filter((a) => !server.launchArgs[1].includes(a))]]
  spawnInto(server)
  await waitHealthy(server, timeoutMs)
}

/** Resolves once GET /health answers 200; rejects at the deadline or when the process dies. */
export async function waitHealthy(server, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`${server.name} exited during start-up; see ${server.logFile}`)
    try {
      const res = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(2000) })
      if (res.ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${server.name} not healthy within ${timeoutMs} ms; see ${server.logFile}`)
}

/** SIGTERM the process group, then SIGKILL whatever is left after graceMs. */
export async function stopServer(server, graceMs = 3000) {
  if (!started.has(server)) return
  signalGroup(server, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline && groupAlive(server)) await new Promise((r) => setTimeout(r, 100))
  if (groupAlive(server)) signalGroup(server, 'SIGKILL')
  started.delete(server)
}

/** Synchronous last resort for exit and signal handlers. */
export function killAllNow() {
  for (const server of started) signalGroup(server, 'SIGKILL')
  started.clear()
}

function signalGroup(server, signal) {
  try {
    process.kill(-server.pid, signal)
  } catch {}
}

function groupAlive(server) {
  return groupPids(server.pid).length > 0
}

/** PIDs in a process group, with their command names, from /proc. */
function groupPids(pgid) {
  const out = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const fields = stat.slice(close + 2).split(' ')
      // fields[0] is state (field 3); pgrp is field 5.
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') {
        out.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close), utime: Number(fields[11]), stime: Number(fields[12]) })
      }
    } catch {}
  }
  return out
}

const TICKS_PER_SECOND = 100

/** CPU seconds used so far by the server's workerd processes (and, separately, its node processes). */
export function serverCpu(server) {
  let workerd = 0
  let node = 0
  for (const proc of groupPids(server.pid)) {
    const seconds = (proc.utime + proc.stime) / TICKS_PER_SECOND
    if (proc.comm === 'workerd') workerd += seconds
    else node += seconds
  }
  return { workerd, node }
}

/** Resident memory of the server's workerd processes, in KiB (VmRSS from /proc). */
export function serverRssKib(server) {
  let total = 0
  for (const proc of groupPids(server.pid)) {
    if (proc.comm !== 'workerd') continue
    try {
      const line = readFileSync(`/proc/${proc.pid}/status`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('VmRSS:'))
      total += Number(line.split(/\s+/)[1])
    } catch {}
  }
  return total
}

/** Open file descriptors of the server's workerd processes (entries of /proc/<pid>/fd). */
export function serverFdCount(server) {
  let total = 0
  for (const proc of groupPids(server.pid)) {
    if (proc.comm !== 'workerd') continue
    try {
      total += readdirSync(`/proc/${proc.pid}/fd`).length
    } catch {}
  }
  return total
}

/** Lowest open-files limit among the server's workerd processes (null before they exist). */
export function serverFdLimit(server) {
  let limit = null
  for (const proc of groupPids(server.pid)) {
    if (proc.comm !== 'workerd') continue
    try {
      const line = readFileSync(`/proc/${proc.pid}/limits`, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('Max open files'))
      const soft = Number(line.split(/\s+/)[3])
      limit = limit === null ? soft : Math.min(limit, soft)
    } catch {}
  }
  return limit
}

export function workerdVersion() {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'node_modules', 'workerd', 'package.json'), 'utf8'))
    return pkg.version
  } catch {
    return 'unknown'
  }
}

export function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version
  } catch {
    return 'unknown'
  }
}
