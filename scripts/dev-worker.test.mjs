import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { varBindings } from './dev-worker.mjs'

const runner = path.join(import.meta.dirname, 'dev-worker.mjs')
const scratch = mkdtempSync(path.join(tmpdir(), 'edge-chat-dev-worker-test-'))
const children = new Set()
// A failed test leaves its launcher running: kill its whole process group, workerd included.
afterAll(() => {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {}
  }
  rmSync(scratch, { recursive: true, force: true })
})

describe('varBindings', () => {
  it.each([
    ['BENCH_METER:1', 'BENCH_METER', '1'],
    ['ROOM_SHARD_MEMBERS:1', 'ROOM_SHARD_MEMBERS', '1'],
    ['ALLOWED_ORIGINS:http://localhost:5173', 'ALLOWED_ORIGINS', 'http://localhost:5173'],
    ['EMPTY:', 'EMPTY', ''],
    ['A1_B:x:y', 'A1_B', 'x:y'],
  ])('reads %s as a hidden plain-text var', (pair, name, value) => {
    expect(varBindings([pair])).toEqual({ [name]: { type: 'plain_text', value, hidden: true } })
  })

  it.each(['lower:1', 'NOCOLON', ':1', '1A:1', 'A-B:1', ' A:1'])('refuses %j', (pair) => {
    expect(() => varBindings([pair])).toThrow(/^--var takes NAME:VALUE/)
  })

  it('lets a later pair of the same name win, as wrangler dev does', () => {
    expect(varBindings(['A:1', 'A:2']).A.value).toBe('2')
  })
})

// A worker that answers with its vars and logs a line per request (the log the inspector would relay).
function writeWorker() {
  const dir = mkdtempSync(path.join(scratch, 'worker-'))
  writeFileSync(
    path.join(dir, 'worker.js'),
    'export default { fetch(request, env) { console.log("request", new URL(request.url).pathname); return Response.json({ greeting: env.GREETING, other: env.OTHER, extra: env.EXTRA, secret: env.SECRET }) } }\n',
  )
  writeFileSync(path.join(dir, 'wrangler.toml'), 'name = "dev-worker-test"\nmain = "worker.js"\ncompatibility_date = "2026-04-20"\nsend_metrics = false\n\n[vars]\nGREETING = "from config"\nOTHER = "kept"\n')
  writeFileSync(path.join(dir, '.dev.vars'), 'SECRET="from dev vars"\n')
  return dir
}

async function freePort() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

// Runs the launcher; `ready` resolves with its URL once it prints it, `exited` with the exit code.
function launch(dir, port, extra = []) {
  const child = spawn(process.execPath, [runner, '-c', 'wrangler.toml', '--port', String(port), '--persist-to', path.join(dir, 'state'), ...extra], {
    cwd: dir,
    env: { ...process.env, WRANGLER_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  children.add(child)
  let output = ''
  const exited = new Promise((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code))))
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk
      const match = /dev-worker: ready on (\S+)/.exec(output)
      if (match) resolve(match[1])
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    exited.then((code) => reject(new Error(`exited ${code} before ready: ${output}`)))
  })
  // A launch expected to fail is never awaited for ready.
  ready.catch(() => {})
  return { child, ready, exited, output: () => output }
}

// The workerd processes the launcher started, with their command lines (from /proc).
function workerdChildren(pid) {
  const found = []
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid && stat.includes('(workerd)')) found.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0'))
    } catch {}
  }
  return found
}

describe('node scripts/dev-worker.mjs', { timeout: 90000 }, () => {
  it('serves the worker with --var over [vars] and .dev.vars secrets, runs workerd without an inspector, and exits 0 on SIGTERM', async () => {
    const dir = writeWorker()
    // EXTRA is not in [vars], as ROOM_SHARD_MEMBERS and BENCH_METER are not in the app's.
    const server = launch(dir, await freePort(), ['--var', 'GREETING:from:var', '--var', 'EXTRA:added'])
    const url = await server.ready
    const res = await fetch(new URL('/x', url))
    expect(await res.json()).toEqual({ greeting: 'from:var', other: 'kept', extra: 'added', secret: 'from dev vars' })
    const workerds = workerdChildren(server.child.pid)
    expect(workerds.length).toBeGreaterThan(0)
    expect(workerds.flat().filter((arg) => arg.startsWith('--inspector-addr'))).toEqual([])
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(server.output()).toContain('dev-worker: SIGTERM, stopping')
  })

  it('exits 1 with the reason when its port is taken', async () => {
    const dir = writeWorker()
    const port = await freePort()
    const first = launch(dir, port)
    await first.ready
    const second = launch(dir, port)
    expect(await second.exited).toBe(1)
    expect(second.output()).toMatch(/dev-worker: start-up failed: Address already in use/)
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
  })

  it.each([
    [['--port', '1'], /-c <wrangler.toml> is required/],
    [['-c', 'wrangler.toml', '--var', 'nope'], /--var takes NAME:VALUE, got "nope"/],
  ])('exits 2 on bad arguments %j', async (args, message) => {
    const child = spawn(process.execPath, [runner, ...args], { cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(2)
    expect(stderr).toMatch(message)
  })
})
