// Reconnect storm: every member socket of one room drops at once without a close frame (the TCP
// connection is destroyed, so the server sees 1006) and reconnects at once with ?since=, `missed`
// messages behind. Measured per storm: time from the drop to the last socket's 'resumed' frame, every
// replayed message counted. After each storm: open file descriptors and resident memory of the
// server's workerd processes, so sockets the server fails to release show up as growth. The baseline
// (bare broadcast, replaying from memory) and the app run alternately, storm by storm.
import { sendMessages } from '../lib/load.mjs'
import { serverFdCount, serverRssKib } from '../lib/servers.mjs'
import { closeAll, openSocket } from '../lib/socket.mjs'
import { percentiles, pool, round, withDeadline } from '../lib/stats.mjs'

export async function storm(targets, { members, storms, missed, log }) {
  const sides = []
  try {
    for (const target of targets) {
      const room = await target.createRoom()
      const sockets = await room.openSockets(members)
      const seeded = await sendMessages(sockets.slice(0, Math.min(members, 4)), missed, { timeoutMs: 60000 })
      if (seeded.messages !== missed) throw new Error(`${target.name}: seeded ${seeded.messages}/${missed}`)
      // Every socket saw the seeded messages; reconnecting from `missed` before the end replays them.
      const lastSeq = sockets[0].readyFrame.last_seq + missed
      sides.push({ target, room, sockets, since: lastSeq - missed, times: [], fds: [fdsAndRss(target)], replayed: 0 })
    }
    for (let round = 0; round < storms; round++) {
      for (const side of round % 2 ? [...sides].reverse() : sides) {
        const { ms, replayed } = await oneStorm(side, members, missed)
        side.times.push(ms)
        side.replayed = replayed
        side.fds.push(fdsAndRss(side.target))
        log(`storm ${side.target.name} ${members} (${round + 1}/${storms}): all resumed in ${Math.round(ms)} ms; workerd fds ${side.fds.at(-1).fds}, RSS ${side.fds.at(-1).rss_mib} MiB`)
      }
    }
  } finally {
    await closeAll(sides.flatMap((s) => s.sockets))
  }
  const rows = sides.map(({ target, times, fds, replayed }) => ({
    scenario: 'storm',
    target: target.name,
    members,
    storms,
    missed,
    replayed_per_socket: replayed,
    all_resumed_ms: { ...percentiles(times, [50]), max: round(Math.max(...times)) , runs: times.map((t) => round(t)) },
    fds_before: fds[0].fds,
    fds_after: fds.at(-1).fds,
    rss_mib_before: fds[0].rss_mib,
    rss_mib_after: fds.at(-1).rss_mib,
    fds_after_each: fds.slice(1).map((f) => f.fds),
  }))
  const [base, app] = rows
  if (app && base) {
    app.ratio_to_baseline = {
      all_resumed_ms: round(app.all_resumed_ms.p50 / base.all_resumed_ms.p50, 2),
      fds_after: round(app.fds_after / base.fds_after, 2),
      rss_after: round(app.rss_mib_after / base.rss_mib_after, 2),
    }
  }
  for (const row of rows) if (row.replayed_per_socket !== missed) row.error = `expected ${missed} replayed messages per socket, got ${row.replayed_per_socket}`
  return rows
}

function fdsAndRss(target) {
  return { fds: serverFdCount(target.server), rss_mib: round(serverRssKib(target.server) / 1024) }
}

/** Drops every socket of the side at once and reconnects them all at once; resolves when all resumed. */
async function oneStorm(side, members, missed) {
  const started = performance.now()
  for (const socket of side.sockets) socket.ws.terminate()
  const counts = new Array(members).fill(0)
  const resumed = []
  side.sockets = await pool(members, members, async (i) => {
    let done
    resumed[i] = new Promise((resolve) => (done = resolve))
    return openSocket(side.room.url(i, side.since), {
      origin: side.target.server.url,
      timeoutMs: 60000,
      onFrame: (kind) => {
        if (kind === 'message') counts[i]++
        else if (kind === 'resumed') done()
      },
    })
  })
  await withDeadline(Promise.all(resumed), 60000, `storm ${side.target.name}: every 'resumed' frame`)
  const ms = performance.now() - started
  return { ms, replayed: Math.min(...counts) === Math.max(...counts) ? counts[0] : -1 }
}
