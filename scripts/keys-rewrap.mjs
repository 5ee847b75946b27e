#!/usr/bin/env node
// Master-key rotation, step 2 (docs/security.md#rotating-a-master-key): after a new version was put
// first in MESSAGE_KEYS, re-wraps every chat's data key under it and re-seals messages still stored
// under a master key, by calling the deployed worker's POST /admin/keys/rewrap/ until it reports
// done. Each call is one bounded batch; the cursors are printed, so an interrupted run resumes with
// --keys-after/--rooms-after (or simply starts again: every step is idempotent).
//
//   npm run keys:rewrap -- --env local|staging|production [--url URL] [--batch 20] [--rows 200]
//                          [--keys-after N] [--rooms-after N]
//
// The token is ADMIN_TOKEN from the shell; for --env local it is read from .dev.vars when unset.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const root = path.resolve(import.meta.dirname, '..')
export const ENVIRONMENTS = ['local', 'staging', 'production']
const PATH = '/admin/keys/rewrap/'

/** The value of NAME in a .dev.vars text (`NAME="value"` or `NAME=value`), or null. */
export function readDevVar(text, name) {
  const match = new RegExp(`^${name}\\s*=\\s*"?([^"\\n]*)"?\\s*$`, 'm').exec(text)
  return match ? match[1] : null
}

/**
 * Where and how to call: `{ url, token, problems }`. The URL is --url, else for local
 * http://127.0.0.1:<PORT or 8787>, else https:// + the environment's first route in wrangler.toml
 * (`config`, wrangler's own reading). `problems` stop the run (no token, no route, a placeholder).
 */
export function planRewrap({ env, url = '', config = null, shellToken = '', devVars = '', port = '' }) {
  const problems = []
  let base = url
  if (!base && env === 'local') base = `http://127.0.0.1:${port || '8787'}`
  if (!base) {
    const route = config?.routes?.[0]
    const pattern = typeof route === 'string' ? route : route?.pattern
    if (!pattern) problems.push(`wrangler.toml [env.${env}] has no route; pass --url`)
    else if (/(^|\.)example\.com(\/|$)/.test(pattern)) problems.push(`wrangler.toml [env.${env}] routes: "${pattern}" is a placeholder; put your domain or pass --url`)
    else base = `https://${pattern.replace(/\/\*?$/, '')}`
  }
  const token = shellToken || (env === 'local' ? readDevVar(devVars, 'ADMIN_TOKEN') ?? '' : '')
  if (!token) problems.push(env === 'local' ? 'no ADMIN_TOKEN in the shell or .dev.vars (npm start generates one)' : 'set ADMIN_TOKEN in the shell (the value stored with `wrangler secret put ADMIN_TOKEN`)')
  return { url: base ? new URL(PATH, base).href : null, token, problems }
}

/** Adds one step's report to the running totals. */
export function addStep(totals, report) {
  totals.steps += 1
  totals.keysRewrapped += report.keys.rewrapped
  totals.messagesResealed += report.rooms.resealed
  totals.stillOld += report.rooms.still_old
  totals.unreadableKeys.push(...report.keys.unreadable)
  totals.stuckRooms.push(...report.rooms.stuck)
  totals.failedRooms.push(...report.rooms.failed)
  totals.keysNotCurrent = report.keys_not_current
  totals.masterVersion = report.master_version
  return totals
}

/** True when the old master versions can be removed from MESSAGE_KEYS: nothing is left under them. */
export function safeToRemove(totals) {
  return totals.unreadableKeys.length === 0 && totals.stuckRooms.length === 0 && totals.failedRooms.length === 0 && Object.keys(totals.keysNotCurrent).length === 0
}

function fail(message) {
  console.error(`keys:rewrap: ${message}`)
  process.exit(2)
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      env: { type: 'string', default: '' },
      url: { type: 'string', default: '' },
      batch: { type: 'string', default: '20' },
      rows: { type: 'string', default: '200' },
      'keys-after': { type: 'string', default: '0' },
      'rooms-after': { type: 'string', default: '0' },
    },
  })
  if (!ENVIRONMENTS.includes(args.env)) fail(`pass --env ${ENVIRONMENTS.join('|')}`)
  let config = null
  if (args.env !== 'local' && !args.url) {
    const { unstable_readConfig } = await import('wrangler')
    config = unstable_readConfig({ config: path.join(root, 'wrangler.toml'), env: args.env })
  }
  const devVarsPath = path.join(root, '.dev.vars')
  const plan = planRewrap({
    env: args.env,
    url: args.url,
    config,
    shellToken: process.env.ADMIN_TOKEN ?? '',
    devVars: args.env === 'local' && existsSync(devVarsPath) ? readFileSync(devVarsPath, 'utf8') : '',
    port: process.env.PORT ?? '',
  })
  if (plan.problems.length > 0) fail(plan.problems.join('\n  '))

  const totals = { steps: 0, keysRewrapped: 0, messagesResealed: 0, stillOld: 0, unreadableKeys: [], stuckRooms: [], failedRooms: [], keysNotCurrent: {}, masterVersion: null }
  let cursors = { keys_after: Number(args['keys-after']), rooms_after: Number(args['rooms-after']) }
  for (;;) {
    let res
    try {
      res = await fetch(plan.url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${plan.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...cursors, batch: Number(args.batch), rows: Number(args.rows) }),
      })
    } catch (err) {
      fail(`cannot reach ${plan.url} (${err.cause?.code ?? err.message}); resume with --keys-after ${cursors.keys_after} --rooms-after ${cursors.rooms_after}`)
    }
    const body = await res.json().catch(() => null)
    if (!res.ok) fail(`${res.status} ${body?.error?.code ?? ''}: ${body?.error?.message ?? 'no error body'}; resume with --keys-after ${cursors.keys_after} --rooms-after ${cursors.rooms_after}`)
    addStep(totals, body)
    cursors = { keys_after: body.keys.next_after, rooms_after: body.rooms.next_after }
    console.log(
      `step ${totals.steps}: keys re-wrapped ${body.keys.rewrapped}, messages re-sealed ${body.rooms.resealed}, ` +
        `cursors --keys-after ${cursors.keys_after} --rooms-after ${cursors.rooms_after}`,
    )
    if (body.done) break
  }
  console.log(`\ndone under master v${totals.masterVersion}: ${totals.keysRewrapped} keys re-wrapped, ${totals.messagesResealed} messages re-sealed in ${totals.steps} steps`)
  if (totals.unreadableKeys.length) console.log(`keys that did not unwrap (chat ids): ${totals.unreadableKeys.join(', ')}`)
  if (totals.stuckRooms.length) console.log(`rooms with ${totals.stillOld} messages that do not open, still under a master key (chat ids): ${totals.stuckRooms.join(', ')}`)
  if (totals.failedRooms.length) console.log(`rooms whose call failed; run again (chat ids): ${totals.failedRooms.join(', ')}`)
  if (Object.keys(totals.keysNotCurrent).length) console.log(`keys still under other master versions: ${JSON.stringify(totals.keysNotCurrent)}`)
  if (safeToRemove(totals)) console.log(`Nothing is left under an older master version: remove the old versions from MESSAGE_KEYS, keeping v${totals.masterVersion}.`)
  else {
    console.log('Do NOT remove old master versions yet (see above).')
    process.exit(1)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
