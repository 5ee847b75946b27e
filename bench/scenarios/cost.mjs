// What a message costs: the billable usage of a 1:1 chat, a 20-member group and a 500-member group,
// counted by the app itself (worker/metering/, on only when the app runs with BENCH_METER=1) and
// read through GET /bench/meter/ before and after each phase. Every member user holds one live
// channel (GET /ws/me/), as an open tab does, so the room's chat-list notifications reach their hubs.
//  - dense: `messages` sent as fast as the flood limit and 16 unacked per sender allow (busy chat:
//    the commit batches them, one notification window covers many);
//  - sparse: `sparse` messages one at a time, each after the previous one's notification window
//    closed (a quiet chat: every message pays its own commit, notification and awake time).
// Worker requests are counted here (the bench is the only client): socket messages are not Worker
// requests; each upgrade and REST call is one. bench/cost.mjs turns the rows into dollars.
import { sendMessages } from '../lib/load.mjs'
import { closeAll, openSocket } from '../lib/socket.mjs'
import { pool, round, sleep } from '../lib/stats.mjs'

export const SHAPES = [
  { shape: '1:1', members: 2 },
  { shape: 'group', members: 20 },
  { shape: 'group', members: 500 },
]
// notify.ts NOTIFY_WINDOW_MS is 500: wait past it (and the flush's D1 query and hub calls).
const AFTER_WINDOW_MS = 800

export async function cost(target, { messages, sparse, log }) {
  const rows = []
  for (const { shape, members } of SHAPES) {
    const users = target.users.slice(0, Math.min(members, target.users.length))
    if (users.length < 2) throw new Error('cost: needs at least 2 users')
    const sockets = []
    try {
      const m0 = await readMeter(target)
      let workerRequests = 0
      let chatId
      if (shape === '1:1') {
        const res = await target.api.json('POST', '/chat/private/', { token: users[0].token, body: { user_id: users[1].userId } })
        chatId = res.chat_id
        workerRequests += 1
      } else {
        chatId = (await target.createRoom(users.length)).chatId
        workerRequests += users.length // create + one join per other member
      }
      const channelUrl = (token) => `${target.server.url.replace(/^http/, 'ws')}/ws/me/?token=${encodeURIComponent(token)}`
      sockets.push(...(await pool(users.length, 8, (i) => openSocket(channelUrl(users[i].token), { origin: target.server.url }))))
      const roomSockets = await pool(members, 16, (i) => openSocket(target.api.socketUrl(chatId, users[i % users.length].token), { origin: target.server.url }))
      sockets.push(...roomSockets)
      workerRequests += users.length + members
      await sleep(AFTER_WINDOW_MS)
      const m1 = await readMeter(target)

      const senders = roomSockets.slice(0, Math.min(members, 20))
      const dense = await sendMessages(senders, messages, { timeoutMs: 120000 })
      if (dense.messages !== messages) throw new Error(`cost ${shape} ${members}: ${dense.messages}/${messages} stored`)
      await sleep(AFTER_WINDOW_MS)
      const m2 = await readMeter(target)

      for (let i = 0; i < sparse; i++) {
        const one = await sendMessages([roomSockets[i % 2]], 1, { timeoutMs: 10000 })
        if (one.messages !== 1) throw new Error(`cost ${shape} ${members}: sparse message ${i} not stored`)
        await sleep(AFTER_WINDOW_MS)
      }
      const m3 = await readMeter(target)
      const row = {
        scenario: 'cost',
        target: target.name,
        shape,
        members,
        users_online: users.length,
        setup: { connects: members + users.length, worker_requests: workerRequests, ...diff(m0, m1) },
        dense: { messages, seconds: dense.seconds, worker_requests: 0, ...diff(m1, m2) },
        sparse: { messages: sparse, worker_requests: 0, ...diff(m2, m3) },
      }
      rows.push(row)
      const perMsg = (phase) => `${round(phase.room.wsMessages / phase.messages, 2)} ws msgs, ${round(phase.room.activeMs / phase.messages, 2)} ms active, ${round(phase.sql.rowsWritten / phase.messages, 2)} rows written, ${round((phase.d1.rowsRead + phase.d1.rowsWritten) / phase.messages, 2)} D1 rows, ${round(phase.hub.rpcs / phase.messages, 2)} hub calls`
      log(`cost ${shape} x${members}: per message dense ${perMsg(row.dense)}; sparse ${perMsg(row.sparse)}`)
    } finally {
      await closeAll(sockets)
    }
  }
  return rows
}

async function readMeter(target) {
  const res = await target.api.request('GET', '/bench/meter/')
  if (res.status !== 200) throw new Error(`GET /bench/meter/ -> ${res.status}: is the app running with BENCH_METER=1?`)
  return JSON.parse(res.text)
}

const OBJECT_FIELDS = ['fetches', 'rpcs', 'wsMessages', 'closes', 'alarms', 'activeMs']

/** Usage between two meter readings: D1 and SQLite rows, and requests and active time per object class. */
function diff(a, b) {
  const object = (name) => {
    const before = a.objects[name] ?? {}
    const after = b.objects[name] ?? {}
    const out = Object.fromEntries(OBJECT_FIELDS.map((f) => [f, round((after[f] ?? 0) - (before[f] ?? 0), 1)]))
    out.storedBytes = (after.storedBytes ?? 0) - (before.storedBytes ?? 0)
    return out
  }
  return {
    d1: { queries: b.d1.queries - a.d1.queries, rowsRead: b.d1.rowsRead - a.d1.rowsRead, rowsWritten: b.d1.rowsWritten - a.d1.rowsWritten },
    sql: { rowsRead: b.sql.rowsRead - a.sql.rowsRead, rowsWritten: b.sql.rowsWritten - a.sql.rowsWritten },
    room: object('ChatRoom'),
    hub: object('UserHub'),
  }
}
