// History: one 50-message page (GET /chat/<id>/history/?limit=50, the newest page) from a room holding
// `messages` messages. The first `realMessages` go through the real path (sockets, flood limit
// respected); the rest, if any, are appended by bench/lib/seed-direct.mjs with the app stopped (see
// there why and how the rows are identical), then the app restarts on the same state. Server time is
// the Server-Timing header when the worker sends one; otherwise the client-observed time minus the
// same request against an empty room (same auth, D1 membership check and Durable Object hop).
import { sendMessages } from '../lib/load.mjs'
import { appendRows } from '../lib/seed-direct.mjs'
import { restartServer } from '../lib/servers.mjs'
import { closeAll } from '../lib/socket.mjs'
import { percentiles, round } from '../lib/stats.mjs'

const SENDER_SOCKETS = 100

export async function history(target, { messages, realMessages, samples, persistDir, log }) {
  const api = target.api
  const token = target.users[0].token
  const full = await target.createRoom()
  const empty = await target.createRoom()
  const real = Math.min(messages, realMessages)
  const senders = await full.openSockets(Math.min(SENDER_SOCKETS, Math.max(4, Math.ceil(real / 50))))
  let seeded
  try {
    seeded = await sendMessages(senders, real, {
      timeoutMs: 400000,
      onProgress: (done, total) => log(`history: seeded ${done}/${total}`),
    })
  } finally {
    await closeAll(senders)
  }
  log(`history: seeded ${seeded.messages} messages at ${seeded.msgs_per_s} msg/s with ${senders.length} sender sockets`)
  let direct = null
  if (messages > real) {
    const started = performance.now()
    await restartServer(target.server, 90000, ['--no-build'], async () => {
      direct = await appendRows(target.server.cwd, persistDir, full.chatId, messages)
    })
    direct.seconds = Math.round((performance.now() - started) / 100) / 10
    log(`history: appended rows up to seq ${direct.last_seq} directly in ${direct.seconds} s (app restarted)`)
  }
  const measure = async (chatId) => {
    const ms = []
    const serverMs = []
    let size = null
    let lastSeq = 0
    for (let i = 0; i < samples; i++) {
      const res = await api.history(token, chatId, '?limit=50')
      if (res.status !== 200) throw new Error(`history ${chatId} -> ${res.status} ${res.text.slice(0, 200)}`)
      ms.push(res.ms)
      const page = JSON.parse(res.text).messages
      size = page.length
      if (page.some((m) => m.kind === 'message' && !m.deleted && m.message === null)) throw new Error(`history ${chatId}: a message did not decrypt`)
      lastSeq = Math.max(lastSeq, ...page.map((m) => m.seq))
      const timing = res.headers.get('server-timing')
      const dur = timing && /dur=([0-9.]+)/.exec(timing)
      if (dur) serverMs.push(Number(dur[1]))
    }
    return { ms, serverMs, size, lastSeq }
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
    messages: onFull.lastSeq,
    seeded_real_path: seeded.messages,
    seeded_direct: direct ? direct.last_seq - seeded.messages : 0,
    direct_seed_s: direct?.seconds ?? null,
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
