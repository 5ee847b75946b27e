// Many rooms: R rooms of 20 member sockets each, all loaded at once.
//  - fixed: 20 msg/s per room from 2 senders (10 rooms = the 200 msg/s target case);
//  - saturation: 4 senders per room at the flood limit, closed loop (2 unacked each).
import { runLoad } from '../lib/load.mjs'
import { closeAll } from '../lib/socket.mjs'
import { pool } from '../lib/stats.mjs'

export const MEMBERS_PER_ROOM = 20
const FIXED_RATE_PER_ROOM = 20

export async function manyRooms(target, { roomCounts, warmupMs, measureMs, log, saturation = true }) {
  const rows = []
  for (const count of roomCounts) {
    const setupStarted = performance.now()
    const rooms = await pool(count, 4, () => target.createRoom(MEMBERS_PER_ROOM))
    const loadRooms = []
    try {
      for (const room of rooms) loadRooms.push({ sockets: await room.openSockets(MEMBERS_PER_ROOM) })
      const setupS = (performance.now() - setupStarted) / 1000
      log(`many-rooms ${target.name} ${count}x${MEMBERS_PER_ROOM}: ${count * MEMBERS_PER_ROOM} sockets ready in ${setupS.toFixed(1)} s`)
      const fixed = await runLoad(
        loadRooms.map((r) => ({ sockets: r.sockets, senders: r.sockets.slice(0, 2) })),
        { rateTotal: FIXED_RATE_PER_ROOM * count, warmupMs, measureMs, server: target.server },
      )
      rows.push({ scenario: 'many-rooms', target: target.name, rooms: count, members: MEMBERS_PER_ROOM, load: 'fixed', setup_s: setupS, ...fixed })
      log(`many-rooms ${target.name} ${count} fixed ${FIXED_RATE_PER_ROOM * count}/s: stored ${fixed.stored_msgs_per_s}/s p99 ${fixed.latency_ms.p99} ms`)
      if (saturation) {
        const sat = await runLoad(
          loadRooms.map((r) => ({ sockets: r.sockets, senders: r.sockets.slice(0, 4) })),
          { warmupMs, measureMs, server: target.server },
        )
        rows.push({ scenario: 'many-rooms', target: target.name, rooms: count, members: MEMBERS_PER_ROOM, load: 'saturation', setup_s: setupS, ...sat })
        log(`many-rooms ${target.name} ${count} saturation: stored ${sat.stored_msgs_per_s}/s delivered ${sat.deliveries_per_s}/s p99 ${sat.latency_ms.p99} ms`)
      }
    } finally {
      await closeAll(loadRooms.flatMap((r) => r.sockets))
    }
  }
  return rows
}
