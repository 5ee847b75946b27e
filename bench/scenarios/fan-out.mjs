// Fan-out: one room with N connected member sockets. Every message is delivered to all N.
//  - fixed: a fixed offered rate (one sender, below the flood limit), as a busy group would see;
//  - saturation: min(N, 100, max(4, ceil(8000 / N))) senders, each at the flood limit with at most 2
//    unacked messages (closed loop): about twice the messages the bare baseline can fan out at that
//    size, so throughput is what the server sustains and the queue (hence latency) stays bounded.
//    Rooms of 1 and 10 cannot be saturated without breaking the per-socket flood limit; those rows
//    say flood_limited.
// The targets' rooms are open side by side and measured alternately (saturation `repeats` times,
// order flipped each round) so drift on a shared machine hits them alike; the median run is kept.
import { MAX_RATE_PER_SENDER, runLoad } from '../lib/load.mjs'
import { closeAll } from '../lib/socket.mjs'
import { medianRun } from '../lib/stats.mjs'

export async function fanOut(targets, { size: members, fixedRate, warmupMs, measureMs, repeats = 1, log }) {
  const rows = []
  const rooms = []
  try {
    for (const target of targets) {
      const room = await target.createRoom()
      rooms.push({ target, sockets: await room.openSockets(members) })
    }
    const fixedSenders = Math.min(members, Math.ceil(fixedRate / MAX_RATE_PER_SENDER))
    for (const { target, sockets } of rooms) {
      const fixed = await runLoad([{ sockets, senders: sockets.slice(0, fixedSenders) }], { rateTotal: fixedRate, warmupMs, measureMs, server: target.server })
      rows.push({ scenario: 'fan-out', target: target.name, members, load: 'fixed', ...fixed })
      log(`fan-out ${target.name} ${members} fixed ${fixedRate}/s: ${fixed.deliveries_per_s} deliveries/s p99 ${fixed.latency_ms.p99} ms`)
    }
    const senders = Math.min(members, 100, Math.max(4, Math.ceil(8000 / members)))
    const runs = new Map(rooms.map((r) => [r.target.name, []]))
    for (let round = 0; round < repeats; round++) {
      for (const { target, sockets } of round % 2 ? [...rooms].reverse() : rooms) {
        const sat = await runLoad([{ sockets, senders: sockets.slice(0, senders) }], { warmupMs, measureMs, server: target.server })
        runs.get(target.name).push(sat)
        log(`fan-out ${target.name} ${members} saturation (${round + 1}/${repeats}): ${sat.stored_msgs_per_s} msg/s ${sat.deliveries_per_s} deliveries/s p99 ${sat.latency_ms.p99} ms`)
      }
    }
    for (const { target } of rooms) {
      const sat = medianRun(runs.get(target.name))
      sat.flood_limited = sat.stored_msgs_per_s >= 0.9 * senders * MAX_RATE_PER_SENDER
      rows.push({ scenario: 'fan-out', target: target.name, members, load: 'saturation', ...sat })
    }
  } finally {
    await closeAll(rooms.flatMap((r) => r.sockets))
  }
  return rows
}
