// Connection setup: authenticated WebSocket upgrades per second into one room (token check, Origin,
// D1 membership, Durable Object accept, 'ready' frame), 16 at a time. The baseline does the same
// without auth.
import { closeAll } from '../lib/socket.mjs'
import { percentiles, round } from '../lib/stats.mjs'

export async function upgrades(target, { count, log }) {
  const room = await target.createRoom()
  const started = performance.now()
  const sockets = await room.openSockets(count, { concurrency: 16 })
  const seconds = (performance.now() - started) / 1000
  await closeAll(sockets)
  const row = { scenario: 'upgrades', target: target.name, sockets: count, concurrency: 16, upgrades_per_s: round(count / seconds), setup_ms: percentiles(sockets.map((s) => s.setupMs)) }
  log(`upgrades ${target.name}: ${row.upgrades_per_s}/s, p50 ${row.setup_ms.p50} ms`)
  return [row]
}
