#!/usr/bin/env node
// The whole test suite in one command (`npm test`), as CI runs it: installs what the tests need
// (npm packages; Debian's chromium when missing), then type-checks, runs vitest's four projects (the
// worker inside workerd with real D1 and Durable Objects; the data-layer suite in Node on libSQL; the
// scripts' logic and the web client's logic in Node) and the browser tests in Chromium.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ensureNpmPackages } from './ensure-deps.mjs'

const root = path.resolve(import.meta.dirname, '..')
const bin = (name) => path.join(root, 'node_modules', '.bin', name)
const CHROMIUM = '/usr/bin/chromium'

function ensureChromium() {
  if (existsSync(CHROMIUM)) return
  console.log('setup: installing Debian chromium for the browser tests')
  const asRoot = process.getuid?.() === 0
  const sh = (cmd) => spawnSync(asRoot ? 'sh' : 'sudo', asRoot ? ['-c', cmd] : ['-n', 'sh', '-c', cmd], { stdio: 'inherit' })
  const result = sh('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium')
  if (result.status !== 0 || !existsSync(CHROMIUM)) {
    console.error(`setup: could not install chromium; install it with "apt-get install chromium" (needs ${CHROMIUM})`)
    process.exit(1)
  }
}

const results = []
function step(name, cmd, args, { count } = {}) {
  console.log(`\n=== ${name}`)
  const started = Date.now()
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' } })
  const ok = result.status === 0
  results.push({ name, ok, seconds: (Date.now() - started) / 1000, counts: count?.() ?? null })
  return ok
}

ensureNpmPackages()
ensureChromium()

const scratch = mkdtempSync(path.join(tmpdir(), 'edge-chat-test-'))
const vitestJson = path.join(scratch, 'vitest.json')
const nodeTap = path.join(scratch, 'node-test.tap')

/** Failed tests by name, with the first line of their error, for the summary (CI shows a log's tail). */
const failures = []

function vitestCounts() {
  if (!existsSync(vitestJson)) return null
  const report = JSON.parse(readFileSync(vitestJson, 'utf8'))
  for (const file of report.testResults ?? []) {
    const where = path.relative(root, file.name)
    if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) failures.push(`${where}: ${firstLine(file.message)}`)
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'failed') failures.push(`${where} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`)
    }
  }
  return { passed: report.numPassedTests, failed: report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0) }
}

function firstLine(text) {
  return String(text ?? '').split('\n').find((line) => line.trim())?.trim().slice(0, 300) ?? ''
}

function tapCounts() {
  if (!existsSync(nodeTap)) return null
  const tap = readFileSync(nodeTap, 'utf8')
  const read = (word) => Number(new RegExp(`^# ${word} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0)
  // Every failed test and its suites ("not ok N - name" at any depth), indented as TAP nests them.
  for (const match of tap.matchAll(/^(\s*)not ok \d+ - (.*)$/gm)) failures.push(`web/e2e ${match[1]}> ${match[2]}`)
  return { passed: read('pass'), failed: read('fail') + read('cancelled') }
}

const e2eDir = path.join(root, 'web', 'e2e')
const e2eFiles = readdirSync(e2eDir)
  .filter((f) => /\.test\.m?js$/.test(f))
  .map((f) => `web/e2e/${f}`)

step('typecheck (tsc)', bin('tsc'), ['--noEmit'])
step('vitest (workerd: worker and protocol; libsql: data layer in Node; scripts and web: logic in Node)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`], {
  count: vitestCounts,
})
step(
  'browser tests (node --test, Chromium)',
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${nodeTap}`, ...e2eFiles],
  { count: tapCounts },
)
rmSync(scratch, { recursive: true, force: true })

console.log('\n=== summary')
let passed = 0
let failed = 0
for (const r of results) {
  const counts = r.counts ? ` (${r.counts.passed} passed, ${r.counts.failed} failed)` : ''
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${counts} in ${r.seconds.toFixed(1)} s`)
  passed += r.counts?.passed ?? 0
  failed += r.counts?.failed ?? 0
  if (!r.ok && !r.counts?.failed) failed += 1
}
if (failures.length > 0) {
  console.log('\nfailed:')
  for (const line of failures) console.log(`  ${line}`)
}
console.log(`tests: ${passed} passed, ${failed} failed`)
process.exit(results.every((r) => r.ok) ? 0 : 1)
