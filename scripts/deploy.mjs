#!/usr/bin/env node
// Deploys one environment of wrangler.toml: applies the D1 migrations to its remote database (unless
// the environment keeps its data in libSQL: its `LIBSQL_URL` var is set), builds the web client,
// then deploys the worker tagged with the git commit (GET /health reports the tag).
//
//   npm run deploy -- --env staging|production
//   npm run deploy -- --dry-run [--env staging|production]   bundle only, offline (what CI runs)
//
// Migrations go first, so they must suit the version still running until the deploy lands: add
// columns and tables, never drop or rename in the same release (docs/configuration.md#deploying).
// A libSQL environment is migrated by hand first: `npm run db:migrate:libsql` (docs/architecture.md).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ensureNpmPackages } from './ensure-deps.mjs'

export const ENVIRONMENTS = ['staging', 'production']
const PLACEHOLDER_DATABASE_ID = '00000000-0000-0000-0000-000000000000'
const root = path.resolve(import.meta.dirname, '..')
const bin = (name) => path.join(root, 'node_modules', '.bin', name)

/**
 * What a deploy of `env` would do, from wrangler's resolved config for it (`unstable_readConfig`):
 * `{ problems, usesLibsql, steps }`. `problems` (strings naming wrangler.toml and the key) stop a
 * real deploy: a placeholder `database_id` (while the environment uses D1) or an `example.com` route.
 * `steps` are `{ name, args }` for wrangler/vite: D1 migrations only for a real deploy on D1.
 */
export function planDeploy({ env, isDryRun, config, tag = null }) {
  const libsqlUrl = String(config.vars?.LIBSQL_URL ?? '').trim()
  const usesLibsql = libsqlUrl !== ''
  const section = env ? `[env.${env}]` : 'the top level'
  const problems = []
  if (!isDryRun) {
    for (const db of config.d1_databases ?? []) {
      if (!usesLibsql && db.database_id === PLACEHOLDER_DATABASE_ID) {
        problems.push(`wrangler.toml ${section} d1_databases "${db.binding}": database_id is the placeholder; put the id from \`npx wrangler d1 create ${db.database_name}\``)
      }
    }
    for (const route of config.routes ?? []) {
      const pattern = typeof route === 'string' ? route : route.pattern
      if (/(^|\.)example\.com(\/|$)/.test(pattern)) problems.push(`wrangler.toml ${section} routes: "${pattern}" is a placeholder; put your own domain`)
    }
  }
  const envArgs = env ? ['--env', env] : []
  const steps = []
  if (!isDryRun && !usesLibsql) steps.push({ name: 'wrangler', args: ['d1', 'migrations', 'apply', 'DB', '--remote', ...envArgs] })
  // The worker serves this build itself, so its API is its own origin whatever the shell says.
  steps.push({ name: 'vite', args: ['build', '--logLevel', 'warn'], env: { VITE_API_BASE: '' } })
  if (isDryRun) steps.push({ name: 'wrangler', args: ['deploy', '--dry-run', ...envArgs], env: { CLOUDFLARE_CF_FETCH_ENABLED: 'false' } })
  else steps.push({ name: 'wrangler', args: ['deploy', ...envArgs, ...(tag ? ['--tag', tag] : [])] })
  return { problems, usesLibsql, steps }
}

function fail(message) {
  console.error(`deploy: ${message}`)
  process.exit(2)
}

function run({ name, args, env = {} }) {
  console.log(`\ndeploy: ${name} ${args.join(' ')}`)
  const result = spawnSync(bin(name), args, {
    cwd: root,
    stdio: ['inherit', 'inherit', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', ...env },
  })
  process.stderr.write(result.stderr ?? '')
  if (result.status === 0) return
  // wrangler's own message for no network is a bare "fetch failed".
  if (/fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED/.test(result.stderr ?? '')) fail(`cannot reach Cloudflare (${name} ${args[0]}): check the network and CLOUDFLARE_API_TOKEN`)
  fail(`${name} ${args[0]} failed`)
}

/** The commit being deployed, marked when the tree has changes that are not committed. */
function gitTag() {
  const git = (...gitArgs) => spawnSync('git', gitArgs, { cwd: root, encoding: 'utf8' })
  const head = git('rev-parse', '--short=12', 'HEAD')
  if (head.status !== 0) return null
  return git('status', '--porcelain').stdout.trim() ? `${head.stdout.trim()}-dirty` : head.stdout.trim()
}

async function main() {
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

  ensureNpmPackages()
  // wrangler's own reading of wrangler.toml, so [env.*] inheritance is exactly what it deploys.
  const { unstable_readConfig } = await import('wrangler')
  const config = unstable_readConfig({ config: path.join(root, 'wrangler.toml'), env: args.env || undefined })
  const plan = planDeploy({ env: args.env, isDryRun, config, tag: isDryRun ? null : gitTag() })
  if (plan.problems.length > 0) fail(`refusing to deploy:\n  ${plan.problems.join('\n  ')}`)
  if (plan.usesLibsql && !isDryRun) console.log('deploy: LIBSQL_URL is set, so D1 migrations are skipped; run `npm run db:migrate:libsql` against it first')

  const outDir = isDryRun ? mkdtempSync(path.join(tmpdir(), 'edge-chat-deploy-')) : null
  try {
    for (const step of plan.steps) run(outDir && step.args[0] === 'deploy' ? { ...step, args: [...step.args, '--outdir', outDir] } : step)
  } finally {
    if (outDir) rmSync(outDir, { recursive: true, force: true })
  }
  console.log(`\ndeploy: ${isDryRun ? 'dry run of' : 'deployed'} ${args.env || 'the top-level (local) environment'}`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
