// Live channels (issue #11): what the channel costs a busy room, and what idle channels cost memory.
//  - fan-out-live: one room of `members` sockets at saturation (as scenarios/fan-out.mjs), measured
//    without and then with one live channel (GET /ws/me/) per member open: every stored batch then
//    also notifies each member's hub (coalesced, NOTIFY_WINDOW_MS). ratio_to_plain = with / without.
//  - idle-channels: the server's resident memory (workerd processes) before and after opening
//    `idleChannels` channels spread over the users, and after closing them.
// Members are the users the caller registered; with fewer users than members, sockets and channels
// go round-robin over them (the row records `users`), and hub calls per batch equal the users.
import { MAX_RATE_PER_SENDER, runLoad } from '../lib/load.mjs'
import { closeAll, openSocket } from '../lib/socket.mjs'
import { serverRssKib } from '../lib/servers.mjs'
import { pool, round, sleep } from '../lib/stats.mjs'

function channelUrl(baseUrl, token) {
  return `${baseUrl.replace(/^http/, 'ws')}/ws/me/?token=${encodeURIComponent(token)}`
}

function openChannels(target, count, onFrame) {
  const { users, server } = target
  return pool(count, 16, (i) =>
    openSocket(channelUrl(server.url, users[i % users.length].token), { origin: server.url, onFrame }),
  )
}

export async function live(target, { members, warmupMs, measureMs, idleChannels, maxSockets, log }) {
  const rows = []
  const room = await target.createRoom(members)
  const sockets = await room.openSockets(members)
  const channels = []
  try {
    const senders = sockets.slice(0, Math.min(members, 100, Math.max(4, Math.ceil(8000 / members))))
    const plain = await runLoad([{ sockets, senders }], { warmupMs, measureMs, server: target.server })
    log(`fan-out-live plain ${members}: ${plain.stored_msgs_per_s} msg/s ${plain.deliveries_per_s} deliveries/s`)
    let chatFrames = 0
    channels.push(...(await openChannels(target, members, (_kind, _id, text) => text.includes('"type":"chat"') && chatFrames++)))
    const startedAt = performance.now()
    const withChannels = await runLoad([{ sockets, senders }], { warmupMs, measureMs, server: target.server })
    const seconds = (performance.now() - startedAt) / 1000
    log(`fan-out-live channels ${members}: ${withChannels.stored_msgs_per_s} msg/s, ${chatFrames} chat frames`)
    withChannels.flood_limited = withChannels.stored_msgs_per_s >= 0.9 * senders.length * MAX_RATE_PER_SENDER
    rows.push({
      scenario: 'fan-out-live',
      target: 'app',
      members,
      users: target.users.length,
      channels: members,
      load: 'saturation',
      ...withChannels,
      channel_chat_frames_per_s: round(chatFrames / seconds, 1),
      ratio_to_plain: { deliveries_per_s: plain.deliveries_per_s ? round(withChannels.deliveries_per_s / plain.deliveries_per_s, 2) : null },
      plain: { stored_msgs_per_s: plain.stored_msgs_per_s, deliveries_per_s: plain.deliveries_per_s, latency_ms: plain.latency_ms },
    })
  } finally {
    await closeAll([...sockets, ...channels.splice(0)])
  }

  const count = Math.min(idleChannels, maxSockets)
  const beforeKib = serverRssKib(target.server)
  const idle = await openChannels(target, count)
  try {
    // Let the runtime settle after the burst of opens (hub starts, D1 writes), so the figure is the resting one.
    await sleep(2000)
    const openKib = serverRssKib(target.server)
    await closeAll(idle)
    await sleep(2000)
    const afterKib = serverRssKib(target.server)
    rows.push({
      scenario: 'idle-channels',
      target: 'app',
      channels: count,
      users: target.users.length,
      rss_mib_before: round(beforeKib / 1024, 1),
      rss_mib_open: round(openKib / 1024, 1),
      rss_mib_after_close: round(afterKib / 1024, 1),
      kib_per_channel: round((openKib - beforeKib) / count, 1),
    })
    log(`idle-channels ${count}: ${round(beforeKib / 1024, 1)} -> ${round(openKib / 1024, 1)} MiB`)
  } finally {
    await closeAll(idle)
  }
  return rows
}
