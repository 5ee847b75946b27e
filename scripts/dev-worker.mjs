#!/usr/bin/env node
// Runs a worker locally the way `wrangler dev` does (local D1, Durable Objects, assets, .dev.vars),
// but without the DevTools inspector, through wrangler's programmatic API (unstable_startWorker).
//
//   node scripts/dev-worker.mjs -c <wrangler.toml> --port N [--persist-to DIR] [--var NAME:VALUE ...]
//
// Why: the `wrangler dev` CLI always attaches its inspector proxy to workerd and enables the Runtime
// domain, so every console.log in the worker is relayed to wrangler as a DevTools message; measured
// here at about 2.5 ms of CPU per log line, which production (no inspector) never pays. Only the
// programmatic API accepts `dev: { inspector: false }` (wrangler 4.86.0, resolveInspectorConfig).
// The bench starts both its servers through this module; scripts/start.mjs uses it for --no-inspector.
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

// As scripts/start.mjs: offline Request.cf placeholder, no telemetry. Existing values win, so a caller
// may still opt in.
const DEV_ENV = { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false' }
const DISPOSE_DEADLINE_MS = 10000

/**
 * `--var` pairs as wrangler's bindings. `["NAME:VALUE", ...]` -> `{ NAME: { type: 'plain_text', value,
 * hidden: true } }`: the value is everything after the first colon, as `wrangler dev --var` reads it
 * (collectPlainTextVars in wrangler 4.86.0), and it overrides the config's [vars] entry of that name.
 * Throws an Error naming the bad pair's first part when a pair is not `NAME:VALUE` with an
 * UPPER_SNAKE name.
 */
export function varBindings(pairs) {
  const bindings = {}
  for (const pair of pairs) {
    const colon = pair.indexOf(':')
    const name = colon < 0 ? pair : pair.slice(0, colon)
    if (colon < 0 || !/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`--var takes NAME:VALUE, got "${name}"`)
    bindings[name] = { type: 'plain_text', value: pair.slice(colon + 1), hidden: true }
  }
  return bindings
}

/**
 * Starts the worker of `config` (a wrangler.toml path, relative to the working directory) on
 * http://127.0.0.1:<port> without the inspector and keeps it running until SIGINT or SIGTERM, then
 * disposes it (workerd stopped) and exits 0. `persistTo`: the local state directory,
 * as `--persist-to` (default: .wrangler/state beside the config); `vars`: `--var` pairs (see
 * varBindings). Secrets come from the .dev.vars beside the config, as with `wrangler dev`.
 * On a start-up failure it prints wrangler's reason and exits 1.
 */
export async function runDevWorker({ config, port, persistTo, vars = [] }) {
  for (const [name, value] of Object.entries(DEV_ENV)) process.env[name] ??= value
  const bindings = varBindings(vars)
  // Imported here so that `npm start` without --no-inspector never loads wrangler's API into its process.
  const { unstable_startWorker: startWorker } = await import('wrangler')
  let worker
  try {
    worker = await startWorker({
      config: path.resolve(config),
      bindings,
      dev: { inspector: false, server: { hostname: '127.0.0.1', port: Number(port) }, persist: persistTo },
    })
    // Failures after the config is read (a taken port, a bundling error, workerd exiting) arrive as
    // DevEnv 'error' events, while `ready` stays pending: the first one fails start-up.
    const failed = new Promise((_, reject) => worker.raw.once('error', (event) => reject(event?.cause ?? event)))
    await Promise.race([worker.ready, failed])
  } catch (err) {
    console.error(`dev-worker: start-up failed: ${describe(err)}`)
    // workerd may already be gone (a taken port kills it), and then dispose can wait forever.
    if (worker) await Promise.race([worker.dispose().catch(() => {}), new Promise((r) => setTimeout(r, 3000))])
    process.exit(1)
  }
  worker.raw.on('error', (event) => console.error(`dev-worker: ${event?.reason ?? event?.message ?? 'error'}`))
  console.log(`dev-worker: ready on ${await worker.url} (no inspector)`)
  // wrangler (its pages module) and miniflare (its exit hook) answer SIGINT and SIGTERM with an
  // immediate process.exit, which would skip dispose; ours replace theirs. Miniflare's 'exit' hook
  // stays, so workerd is still killed if dispose runs out of time.
  const signal = await new Promise((resolve) => {
    for (const name of ['SIGINT', 'SIGTERM']) process.removeAllListeners(name).once(name, () => resolve(name))
  })
  console.log(`dev-worker: ${signal}, stopping`)
  // A second signal, or a dispose that hangs, must still end the process.
  for (const name of ['SIGINT', 'SIGTERM']) process.once(name, () => process.exit(1))
  setTimeout(() => {
    console.error(`dev-worker: dispose took over ${DISPOSE_DEADLINE_MS} ms`)
    process.exit(1)
  }, DISPOSE_DEADLINE_MS).unref()
  await worker.dispose()
  process.exit(0)
}

/** wrangler's message for a start-up error, with the cause it wraps ("An error occurred when starting the server"). */
function describe(err) {
  const message = err?.message ?? err?.reason ?? String(err)
  return err?.cause?.message ? `${message}: ${err.cause.message}` : message
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values: args } = parseArgs({
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', default: process.env.PORT ?? '8787' },
      'persist-to': { type: 'string' },
      var: { type: 'string', multiple: true, default: [] },
    },
  })
  if (!args.config) {
    console.error('dev-worker: -c <wrangler.toml> is required')
    process.exit(2)
  }
  try {
    varBindings(args.var)
  } catch (err) {
    console.error(`dev-worker: ${err.message}`)
    process.exit(2)
  }
  await runDevWorker({ config: args.config, port: args.port, persistTo: args['persist-to'], vars: args.var })
}
