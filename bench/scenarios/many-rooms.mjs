// Many rooms: R rooms of 20 member sockets each, all loaded at once.
//  - fixed: 200 msg/s offered in total, spread evenly over the rooms (2 senders per room), so
//    10 rooms is the target case (p99 < 25 ms) and 50/200 rooms show the cost of more rooms and sockets
//    at the same message rate;
//  - saturation: ceil(100 / R) senders per room (at least 1, at most 20) at the flood limit, closed
//    loop with 2 unacked each: 2,400+ msg/s offered, about twice what the bare baseline sustains.
// As in fan-out, the targets' rooms are open side by side and measured alternately.
import { runLoad } from '../lib/load.mjs'
import { closeAll } from '../lib/socket.mjs'
import { medianRun, pool } from '../lib/stats.mjs'

export const MEMBERS_PER_ROOM = 20
const FIXED_RATE_TOTAL = 200

export async function manyRooms(targets, { rooms: requested, warmupMs, measureMs, repeats = 1, saturation = true, maxSockets = Infinity, log }) {
  const rows = []
  // Scale down, never fail, when the server's file-descriptor limit cannot hold every socket.
  const count = Math.min(requested, Math.floor(maxSockets / MEMBERS_PER_ROOM / 10) * 10 || requested)
  const scaled = count < requested ? { rooms_requested: requested, scaled_because: `server fd limit allows about ${maxSockets} sockets` } : {}
  if (count < requested) log(`many-rooms: ${requested} rooms scaled to ${count} (${scaled.scaled_because})`)
  const loaded = []
  try {
    for (const target of targets) {
      const started = performance.now()
      const rooms = await pool(count, 4, () => target.createRoom(MEMBERS_PER_ROOM))
      const sockets = []
      for (const room of rooms) sockets.push(await room.openSockets(MEMBERS_PER_ROOM))
      const setupS = Math.round((performance.now() - started) / 100) / 10
      loaded.push({ target, sockets, setupS })
      log(`many-rooms ${target.name} ${count}x${MEMBERS_PER_ROOM}: ${count * MEMBERS_PER_ROOM} sockets ready in ${setupS} s`)
    }
    const shape = (sockets, senders) => sockets.map((s) => ({ sockets: s, senders: s.slice(0, senders) }))
    for (const { target, sockets, setupS } of loaded) {
      const fixed = await runLoad(shape(sockets, 2), { rateTotal: FIXED_RATE_TOTAL, warmupMs, measureMs, server: target.server })
      rows.push({ scenario: 'many-rooms', target: target.name, rooms: count, members: MEMBERS_PER_ROOM, load: 'fixed', setup_s: setupS, ...scaled, ...fixed })
      log(`many-rooms ${target.name} ${count} fixed ${FIXED_RATE_TOTAL}/s: stored ${fixed.stored_msgs_per_s}/s p99 ${fixed.latency_ms.p99} ms`)
    }
    if (!saturation) return rows
    const senders = Math.min(MEMBERS_PER_ROOM, Math.ceil(100 / count))
    const runs = new Map(loaded.map((l) => [l.target.name, []]))
    for (let round = 0; round < repeats; round++) {
      for (const { target, sockets } of round % 2 ? [...loaded].reverse() : loaded) {
        const sat = await runLoad(shape(sockets, senders), { warmupMs, measureMs, server: target.server })
        runs.get(target.name).push(sat)
        log(`many-rooms ${target.name} ${count} saturation (${round + 1}/${repeats}): stored ${sat.stored_msgs_per_s}/s delivered ${sat.deliveries_per_s}/s p99 ${sat.latency_ms.p99} ms`)
      }
    }
    for (const { target, setupS } of loaded) {
      rows.push({ scenario: 'many-rooms', target: target.name, rooms: count, members: MEMBERS_PER_ROOM, load: 'saturation', setup_s: setupS, ...scaled, ...medianRun(runs.get(target.name)) })
    }
  } finally {
    await closeAll(loaded.flatMap((l) => l.sockets.flat()))
  }
  return rows
}
