// Groups beyond one object (issue #16): one group whose sockets are spread over `shards` FanOutShard
// objects (shards x perShard sockets) next to one unsharded room with the same number of sockets, at
// saturation, measured alternately (as in fan-out.mjs) in the same run. The app is restarted with
// ROOM_SHARD_MEMBERS=1 so that a group of `shards` members gets `shards` shards, each member holding
// perShard sockets on its own shard (user id mod count); the unsharded room has one member with all
// its sockets (a group of one is never sharded). Fan-out cost is per socket, not per member, so the two
// rooms carry the same load. The app is restarted with its normal vars afterwards.
import { AppApi } from '../lib/app-api.mjs'
import { runLoad } from '../lib/load.mjs'
import { restartServer } from '../lib/servers.mjs'
import { closeAll, openSocket } from '../lib/socket.mjs'
import { medianRun, pool, round } from '../lib/stats.mjs'

const UPGRADE_CONCURRENCY = 16

/** users: [{ token, userId }] registered and logged in; needs `shards` of them with distinct ids mod `shards`. */
export async function shards(server, users, { shards: count, perShard, warmupMs, measureMs, repeats = 1, log }) {
  const members = pickOnePerShard(users, count)
  const total = count * perShard
  const launchArgs = server.launchArgs
  const rows = []
  const sides = []
  try {
    await restartServer(server, 90000, ['--no-build', '--var', 'ROOM_SHARD_MEMBERS:1'])
    const api = new AppApi(server.url)
    const sharded = await api.createGroup(members[0].token, 'bench sharded group')
    for (const m of members.slice(1)) await api.join(m.token, sharded)
    const single = await api.createGroup(members[0].token, 'bench unsharded room')
    const open = (chatId, owners) => pool(total, UPGRADE_CONCURRENCY, (i) => openSocket(api.socketUrl(chatId, owners[i % owners.length].token), { origin: server.url, timeoutMs: 30000 }))
    sides.push({ target: 'app', sockets: await open(single, [members[0]]) })
    sides.push({ target: 'app-sharded', sockets: await open(sharded, members) })
    log(`shards: ${total} sockets in one room, and ${count} x ${perShard} over shards`)
    // As fan-out.mjs picks saturation senders for a room of this size; the same sockets' share in both.
    const senders = Math.min(total, 100, Math.max(4, Math.ceil(8000 / total)))
    const runs = new Map(sides.map((s) => [s.target, []]))
    for (let r = 0; r < repeats; r++) {
      for (const side of r % 2 ? [...sides].reverse() : sides) {
        // Senders spread over the members (and so over the shards): every `perShard`-th socket is another member's.
        const picked = Array.from({ length: senders }, (_, i) => side.sockets[(i * Math.floor(total / senders)) % total])
        const sat = await runLoad([{ sockets: side.sockets, senders: picked }], { warmupMs, measureMs, server })
        runs.get(side.target).push(sat)
        log(`shards ${side.target} ${total} saturation (${r + 1}/${repeats}): ${sat.stored_msgs_per_s} msg/s ${sat.deliveries_per_s} deliveries/s p99 ${sat.latency_ms.p99} ms`)
      }
    }
    for (const side of sides) rows.push({ scenario: 'shards', target: side.target, members: total, shards: side.target === 'app' ? 0 : count, load: 'saturation', ...medianRun(runs.get(side.target)) })
    const [one, spread] = rows
    spread.ratio_to_unsharded = {
      deliveries_per_s: round(spread.deliveries_per_s / one.deliveries_per_s, 2),
      latency_p99: one.latency_ms.p99 ? round(spread.latency_ms.p99 / one.latency_ms.p99, 2) : null,
    }
    log(`shards: ${count} x ${perShard} deliver ${spread.ratio_to_unsharded.deliveries_per_s}x the unsharded room's deliveries/s`)
  } finally {
    await closeAll(sides.flatMap((s) => s.sockets))
    server.launchArgs = launchArgs
    await restartServer(server, 90000)
  }
  return rows
}

function pickOnePerShard(users, count) {
  const picked = Array.from({ length: count }, (_, k) => users.find((u) => u.userId % count === k))
  if (picked.some((u) => !u)) throw new Error(`shards: need users with ${count} distinct ids mod ${count}`)
  return picked
}
