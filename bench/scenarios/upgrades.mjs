// Connection setup: authenticated WebSocket upgrades per second into one room (token check, Origin,
// the room's member check, Durable Object accept, 'ready' frame), 16 at a time. The baseline does
// the same without auth; `baseline-shaped` is the same bare worker in the app's platform shape
// (static assets in front, one log line per upgrade: bench/baseline/wrangler.shaped.toml), so the
// app's own cost per upgrade shows apart from what local workerd and wrangler charge every request.
//
// The targets are measured side by side: one warm-up round each (not counted: the first few hundred
// upgrades after a start run cold code and grow the runtime's socket tables), then `repeats` rounds
// alternating the targets' order, so drift on a shared machine hits all alike. A single round of 400 took
// 0.3-0.6 s and swung the ratio between 0.52x (full run) and 0.74x (alone, minutes later): the row
// is the median round, with every round's rate kept, and the server's CPU per upgrade (/proc, workerd
// and wrangler's node together), which depends less on what else the machine runs.
import { serverCpu } from '../lib/servers.mjs'
import { closeAll } from '../lib/socket.mjs'
import { percentiles, round } from '../lib/stats.mjs'

const CONCURRENCY = 16

export async function upgrades(targets, { count, repeats = 1, log }) {
  const rooms = new Map()
  for (const target of targets) rooms.set(target.name, await target.createRoom())
  const runs = new Map(targets.map((t) => [t.name, []]))
  const measureRound = async (target) => {
    const room = rooms.get(target.name)
    const cpuBefore = target.server ? serverCpu(target.server) : null
    const started = performance.now()
    const sockets = await room.openSockets(count, { concurrency: CONCURRENCY })
    const seconds = (performance.now() - started) / 1000
    const cpuAfter = target.server ? serverCpu(target.server) : null
    await closeAll(sockets)
    const cpuS = cpuAfter ? cpuAfter.workerd + cpuAfter.node - cpuBefore.workerd - cpuBefore.node : null
    const workerdS = cpuAfter ? cpuAfter.workerd - cpuBefore.workerd : null
    return { rate: count / seconds, setupMs: sockets.map((s) => s.setupMs), cpuUs: cpuS === null ? null : (cpuS * 1e6) / count, workerdUs: workerdS === null ? null : (workerdS * 1e6) / count }
  }
  for (const target of targets) await measureRound(target)
  for (let i = 0; i < repeats; i++) {
    for (const target of i % 2 ? [...targets].reverse() : targets) {
      const run = await measureRound(target)
      runs.get(target.name).push(run)
      log(`upgrades ${target.name} (${i + 1}/${repeats}): ${round(run.rate)}/s${run.cpuUs === null ? '' : `, ${Math.round(run.cpuUs)} µs server CPU each (workerd ${Math.round(run.workerdUs)})`}`)
    }
  }
  return targets.map((target) => {
    const all = runs.get(target.name)
    const median = [...all].sort((a, b) => a.rate - b.rate)[Math.floor((all.length - 1) / 2)]
    const middle = (values) => (values.length ? Math.round([...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]) : null)
    const cpu = all.map((r) => r.cpuUs).filter((us) => us !== null)
    return {
      scenario: 'upgrades',
      target: target.name,
      sockets: count,
      concurrency: CONCURRENCY,
      upgrades_per_s: round(median.rate),
      setup_ms: percentiles(median.setupMs),
      server_cpu_us_per_upgrade: middle(cpu),
      // The workerd processes alone: the rest is wrangler's node relaying each worker log line (the app
      // and baseline-shaped write one per upgrade, the bare baseline none), which production does not have.
      server_cpu_us_per_upgrade_workerd: middle(all.map((r) => r.workerdUs).filter((us) => us !== null)),
      runs_upgrades_per_s: all.map((r) => round(r.rate)),
      runs: all.length,
    }
  })
}
