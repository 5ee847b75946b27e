// Starts the app the README's way (scripts/start.mjs: D1 migrations + offline `wrangler dev`) on a
// free port with a fresh state directory, waits for /health, and stops the whole process tree.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../..')
const START_TIMEOUT_MS = 120_000

function newestMtimeMs(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(full) : statSync(full).mtimeMs)
  }
  return newest
}

/**
 * Builds dist/ once when it is older than the client's sources. Test files may run in parallel, so
 * a directory lock keeps one build at a time and the others reuse its output.
 */
async function ensureBuilt() {
  const lock = path.join(root, 'node_modules', '.e2e-build-lock')
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      if (Date.now() > deadline) throw new Error(`e2e: build lock ${lock} held too long; delete it if stale`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  try {
    const built = path.join(root, 'dist', 'index.html')
    const sources = Math.max(...['web/src', 'web/public', 'protocol'].map((d) => newestMtimeMs(path.join(root, d))), statSync(path.join(root, 'web/index.html')).mtimeMs)
    if (!existsSync(built) || statSync(built).mtimeMs < sources) {
      const result = spawnSync(path.join(root, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
      if (result.status !== 0) throw new Error('e2e: vite build failed')
    }
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

function freePort() {
  if (process.env.E2E_PORT) return Promise.resolve(Number(process.env.E2E_PORT))
  return anyFreePort()
}

/** A port nothing listens on now (the OS picks it). */
function anyFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts the app on a free port and resolves once /health answers 200. `vars` override wrangler.toml
 * [vars] for this run (`{ ALLOWED_ORIGINS: 'http://localhost:5173' }`). `persistDir` is its local
 * state (D1, Durable Objects, R2), which a test may inspect on disk.
 */
export async function startServer({ vars = {} } = {}) {
  await ensureBuilt()
  const port = await freePort()
  const varArgs = Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`])
  const persistDir = mkdtempSync(path.join(tmpdir(), 'edge-chat-e2e-'))
  const output = []
  // Detached: its own process group, so teardown can stop wrangler and workerd with it.
  // Its own inspector port too: wrangler dev refuses to start when another app on the machine holds 9229.
  const inspectorPort = await anyFreePort()
  const child = spawn(process.execPath, ['scripts/start.mjs', '--port', String(port), '--inspector-port', String(inspectorPort), '--persist-to', persistDir, '--no-build', ...varArgs], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const keep = (chunk) => output.push(chunk.toString()) && output.length > 200 && output.shift()
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const baseUrl = `http://127.0.0.1:${port}`

  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      // Already gone.
    }
    const timeout = new Promise((r) => setTimeout(r, 5_000, 'timeout'))
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }
    rmSync(persistDir, { recursive: true, force: true })
  }

  const deadline = Date.now() + START_TIMEOUT_MS
  let isExited = false
  exited.then(() => (isExited = true))
  while (Date.now() < deadline && !isExited) {
    try {
      const res = await fetch(`${baseUrl}/health`)
      if (res.ok) return { baseUrl, stop, persistDir }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  await stop()
  throw new Error(`e2e: the app did not become healthy at ${baseUrl}\n${output.join('')}`)
}
