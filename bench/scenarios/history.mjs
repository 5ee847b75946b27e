// History: one 50-message page (GET /chat/<id>/history/?limit=50, the newest page) from a room holding
// `messages` messages, seeded through the real path (sockets, flood limit respected). Server time is
// the Server-Timing header when the worker sends one; otherwise the client-observed time minus the
// same request against an empty room (same auth, D1 membership check and Durable Object hop).
import { sendMessages } from '../lib/load.mjs'
import { closeAll } from '../lib/socket.mjs'
import { percentiles, round } from '../lib/stats.mjs'

const SENDER_SOCKETS = 100

export async function history(target, { messages, samples, log }) {
  const api = target.api
  const token = target.users[0].token
  const full = await target.createRoom()
  const empty = await target.createRoom()
  const senders = await full.openSockets(Math.min(SENDER_SOCKETS, Math.max(4, Math.ceil(messages / 200))))
  let seeded
  try {
    seeded = await sendMessages(senders, messages, {
      timeoutMs: 400000,
      onProgress: (done, total) => log(`history: seeded ${done}/${total}`),
    })
  } finally {
    await closeAll(senders)
  }
  log(`history: seeded ${seeded.messages} messages at ${seeded.msgs_per_s} msg/s with ${senders.length} sender sockets`)
  const measure = async (chatId) => {
    const ms = []
    const serverMs = []
    let size = null
    for (let i = 0; i < samples; i++) {
      const res = await api.history(token, chatId, '?limit=50')
      if (res.status !== 200) throw new Error(`history ${chatId} -> ${res.status} ${res.text.slice(0, 200)}`)
      ms.push(res.ms)
      size = JSON.parse(res.text).messages.length
      const timing = res.headers.get('server-timing')
      const dur = timing && /dur=([0-9.]+)/.exec(timing)
      if (dur) serverMs.push(Number(dur[1]))
    }
    return { ms, serverMs, size, header: null }
  }
  await measure(full.chatId) // warm both objects and the route before timing
  const onFull = await measure(full.chatId)
  const onEmpty = await measure(empty.chatId)
  const healthMs = []
  for (let i = 0; i < samples; i++) healthMs.push((await api.request('GET', '/health')).ms)
  const fullP = percentiles(onFull.ms)
  const emptyP = percentiles(onEmpty.ms)
  const row = {
    scenario: 'history',
    target: target.name,
    messages: seeded.messages,
    page_size: onFull.size,
    samples,
    client_ms: fullP,
    empty_room_client_ms: emptyP,
    health_client_ms: percentiles(healthMs),
    server_timing_ms: onFull.serverMs.length ? percentiles(onFull.serverMs) : null,
    server_ms_method: onFull.serverMs.length ? 'Server-Timing header' : 'client p50 minus empty-room p50',
    server_ms_p50: onFull.serverMs.length ? percentiles(onFull.serverMs).p50 : round(fullP.p50 - emptyP.p50, 2),
    seed_msgs_per_s: seeded.msgs_per_s,
    seed_sender_sockets: senders.length,
    seed_errors: seeded.errors,
  }
  log(`history: page of ${row.page_size} from ${row.messages}: client p50 ${fullP.p50} ms, empty room ${emptyP.p50} ms, server ~${row.server_ms_p50} ms`)
  return [row]
}
