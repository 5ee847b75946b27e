import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { unstable_readConfig } from 'wrangler'
import { afterAll, describe, expect, it } from 'vitest'
import { planDeploy } from './deploy.mjs'

const root = path.resolve(import.meta.dirname, '..')
const scratch = mkdtempSync(path.join(tmpdir(), 'edge-chat-deploy-test-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

// The repository's wrangler.toml with edits, read the way deploy.mjs reads it.
function configOf(env, edit = (toml) => toml) {
  const file = path.join(scratch, `${crypto.randomUUID()}.toml`)
  writeFileSync(file, edit(readFileSync(path.join(root, 'wrangler.toml'), 'utf8')).replace('main = "worker/index.ts"', `main = "${path.join(root, 'worker/index.ts')}"`))
  return unstable_readConfig({ config: file, env })
}

const filledIn = (toml) =>
  toml
    .replace(/database_name = "edge-chat-staging"\ndatabase_id = "[^"]+"/, 'database_name = "edge-chat-staging"\ndatabase_id = "4f6c1a9e-0000-4000-8000-000000000001"')
    .replace('staging.chat.example.com', 'staging.chat.acme.dev')
const libsql = (toml) => filledIn(toml).replace('[env.staging.vars]\nALLOWED_ORIGINS = ""', '[env.staging.vars]\nALLOWED_ORIGINS = ""\nLIBSQL_URL = "libsql://chat-acme.turso.io"')
const stepsOf = (plan) => plan.steps.map((step) => `${step.name} ${step.args.join(' ')}`)

describe('planDeploy', () => {
  it.each([
    ['D1, real deploy', filledIn, false, ['wrangler d1 migrations apply DB --remote --env staging', 'vite build --logLevel warn', 'wrangler deploy --env staging --tag abc123']],
    ['libSQL, real deploy', libsql, false, ['vite build --logLevel warn', 'wrangler deploy --env staging --tag abc123']],
    ['D1, dry run', filledIn, true, ['vite build --logLevel warn', 'wrangler deploy --dry-run --env staging']],
    ['libSQL, dry run', libsql, true, ['vite build --logLevel warn', 'wrangler deploy --dry-run --env staging']],
  ])('staging on %s runs the right steps', (_, edit, isDryRun, steps) => {
    const plan = planDeploy({ env: 'staging', isDryRun, config: configOf('staging', edit), tag: isDryRun ? null : 'abc123' })
    expect(plan.problems).toEqual([])
    expect(stepsOf(plan)).toEqual(steps)
  })

  it('refuses the placeholder database id and example.com route, naming the file and key', () => {
    const plan = planDeploy({ env: 'production', isDryRun: false, config: configOf('production') })
    expect(plan.problems).toEqual([
      expect.stringMatching(/^wrangler\.toml \[env\.production\] d1_databases "DB": database_id is the placeholder/),
      expect.stringMatching(/^wrangler\.toml \[env\.production\] routes: "chat\.example\.com" is a placeholder/),
    ])
  })

  it('lets a dry run bundle the placeholders (CI has no real ids)', () => {
    expect(planDeploy({ env: 'production', isDryRun: true, config: configOf('production') }).problems).toEqual([])
  })
})
