// Many rooms: R rooms of 20 member sockets each, all loaded at once.
//  - fixed: 200 msg/s offered in total, spread evenly over the rooms (2 senders per room), so
//    10 rooms is the target case (p99 < 25 ms) and 50/200 rooms show the cost of more rooms and sockets
//    at the same message rate;
//  - saturation: ceil(100 / R) senders per room (at least 1, at most 20) at the flood limit, closed
//    loop with 2 unacked each: 2,400+ msg/s offered, about twice what the bare baseline sustains.
import { runLoad } from '../lib/load.mjs'
import { closeAll } from '../lib/socket.mjs'
import { pool } from '../lib/stats.mjs'

export const MEMBERS_PER_ROOM = 20
const FIXED_RATE_TOTAL = 200

export async function manyRooms(target, { roomCounts, warmupMs, measureMs, log, saturation = true, maxSockets = Infinity }) {
  const rows = []
  for (const requested of roomCounts) {
    // Scale down, never fail, when the server's file-descriptor limit cannot hold every socket.
    const count = Math.min(requested, Math.floor(maxSockets / MEMBERS_PER_ROOM / 10) * 10 || requested)
    const scaled = count < requested ? { rooms_requested: requested, scaled_because: `server fd limit allows about ${maxSockets} sockets` } : {}
    if (count < requested) log(`many-rooms ${target.name}: ${requested} rooms scaled to ${count} (${scaled.scaled_because})`)
    const setupStarted = performance.now()
    const rooms = await pool(count, 4, () => target.createRoom(MEMBERS_PER_ROOM))
    const loadRooms = []
    try {
      for (const room of rooms) loadRooms.push({ sockets: await room.openSockets(MEMBERS_PER_ROOM) })
      const setupS = (performance.now() - setupStarted) / 1000
      log(`many-rooms ${target.name} ${count}x${MEMBERS_PER_ROOM}: ${count * MEMBERS_PER_ROOM} sockets ready in ${setupS.toFixed(1)} s`)
      const fixed = await runLoad(
        loadRooms.map((r) => ({ sockets: r.sockets, senders: r.sockets.slice(0, 2) })),
        { rateTotal: FIXED_RATE_TOTAL, warmupMs, measureMs, server: target.server },
      )
      rows.push({ scenario: 'many-rooms', target: target.name, rooms: count, members: MEMBERS_PER_ROOM, load: 'fixed', setup_s: setupS, ...scaled, ...fixed })
      log(`many-rooms ${target.name} ${count} fixed ${FIXED_RATE_TOTAL}/s: stored ${fixed.stored_msgs_per_s}/s p99 ${fixed.latency_ms.p99} ms`)
      if (saturation) {
        const sat = await runLoad(
          loadRooms.map((r) => ({ sockets: r.sockets, senders: r.sockets.slice(0, Math.min(MEMBERS_PER_ROOM, Math.ceil(100 / count))) })),
          { warmupMs, measureMs, server: target.server },
        )
        rows.push({ scenario: 'many-rooms', target: target.name, rooms: count, members: MEMBERS_PER_ROOM, load: 'saturation', setup_s: setupS, ...scaled, ...sat })
        log(`many-rooms ${target.name} ${count} saturation: stored ${sat.stored_msgs_per_s}/s delivered ${sat.deliveries_per_s}/s p99 ${sat.latency_ms.p99} ms`)
      }
    } finally {
      await closeAll(loadRooms.flatMap((r) => r.sockets))
    }
  }
  return rows
}
