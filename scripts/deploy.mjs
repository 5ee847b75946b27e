#!/usr/bin/env node
// Deploys one environment of wrangler.toml: applies the D1 migrations to its remote database, builds
// the web client, then deploys the worker tagged with the git commit (GET /health reports the tag).
//
//   npm run deploy -- --env staging|production
//   npm run deploy -- --dry-run [--env staging|production]   bundle only, offline (what CI runs)
//
// Migrations go first, so they must suit the version still running until the deploy lands: add
// columns and tables, never drop or rename in the same release (docs/configuration.md#deploying).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { ensureNpmPackages } from './ensure-deps.mjs'

const ENVIRONMENTS = ['staging', 'production']
const root = path.resolve(import.meta.dirname, '..')
const bin = (name) => path.join(root, 'node_modules', '.bin', name)
const { values: args } = parseArgs({
  options: {
    env: { type: 'string', default: '' },
    'dry-run': { type: 'boolean', default: false },
  },
})
const isDryRun = args['dry-run']

if (args.env !== '' && !ENVIRONMENTS.includes(args.env)) fail(`--env must be one of ${ENVIRONMENTS.join(', ')}`)
// The top level of wrangler.toml is the local environment (placeholder database id): never deployed.
if (args.env === '' && !isDryRun) fail(`pass --env ${ENVIRONMENTS.join(' or --env ')} (the top level of wrangler.toml is local only)`)

function fail(message) {
  console.error(`deploy: ${message}`)
  process.exit(2)
}

function run(cmd, cmdArgs, env = {}) {
  console.log(`\ndeploy: ${path.basename(cmd)} ${cmdArgs.join(' ')}`)
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', ...env } })
  if (result.status !== 0) fail(`${path.basename(cmd)} ${cmdArgs[0]} failed`)
}

/** The commit being deployed, marked when the tree has changes that are not committed. */
function gitTag() {
  const git = (...gitArgs) => spawnSync('git', gitArgs, { cwd: root, encoding: 'utf8' })
  const head = git('rev-parse', '--short=12', 'HEAD')
  if (head.status !== 0) return null
  return git('status', '--porcelain').stdout.trim() ? `${head.stdout.trim()}-dirty` : head.stdout.trim()
}

ensureNpmPackages()
const envArgs = ['--env', args.env]
if (!isDryRun) run(bin('wrangler'), ['d1', 'migrations', 'apply', 'DB', '--remote', ...envArgs])
// The worker serves this build itself, so its API is its own origin whatever the shell says.
run(bin('vite'), ['build', '--logLevel', 'warn'], { VITE_API_BASE: '' })
if (isDryRun) {
  const outDir = mkdtempSync(path.join(tmpdir(), 'edge-chat-deploy-'))
  try {
    run(bin('wrangler'), ['deploy', '--dry-run', '--outdir', outDir, ...envArgs], { CLOUDFLARE_CF_FETCH_ENABLED: 'false' })
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
} else {
  const tag = gitTag()
  run(bin('wrangler'), ['deploy', ...envArgs, ...(tag ? ['--tag', tag] : [])])
}
console.log(`\ndeploy: ${isDryRun ? 'dry run of' : 'deployed'} ${args.env || 'the top-level (local) environment'}`)
