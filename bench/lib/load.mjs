// The load generator: sender sockets send 'send' frames, every socket in the room records when each
// message arrives. Latency = receive time - send time, both read from this process's monotonic clock
// and matched by client_id. Each sender obeys the protocol's per-socket flood limit with its own
// token bucket, so throughput beyond 25 msg/s per room needs more sender sockets, never a faster one.
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { FLOOD } from './protocol.mjs'
import { serverCpu } from './servers.mjs'
import { percentiles, round, sleep } from './stats.mjs'

/** Highest rate one sender socket may sustain: a little under the server's refill rate. */
export const MAX_RATE_PER_SENDER = FLOOD.framesPerSecond - 1
const BUCKET_CAPACITY = 5
const TICK_MS = 2

let runCounter = 0

/**
 * rooms: [{ sockets, senders }] where senders is a subset of sockets.
 * opts.rateTotal: offered msg/s over all senders (open loop, capped per sender); omit for saturation.
 * opts.window: max unacked messages per sender (closed loop at saturation).
 */
export async function runLoad(rooms, opts) {
  const { warmupMs, measureMs, drainMs = 3000, textChars = 100, server = null } = opts
  const allSenders = rooms.flatMap((room, r) => room.senders.map((socket) => ({ socket, room: r })))
  const ratePerSender = opts.rateTotal ? Math.min(opts.rateTotal / allSenders.length, MAX_RATE_PER_SENDER) : MAX_RATE_PER_SENDER
  const window = opts.window ?? (opts.rateTotal ? 1000 : 2)
  const run = ++runCounter
  const text = 'x'.repeat(textChars)

  const records = new Map()
  const latencies = []
  const ackLatencies = []
  const errorCodes = {}
  let phase = 'warmup'
  let measureStart = Infinity
  let measureEnd = Infinity
  let sentInWindow = 0
  let deliveriesInWindow = 0
  let acksInWindow = 0
  let outstanding = 0

  const inWindow = (t) => t >= measureStart && t < measureEnd
  const settle = (clientId, rec) => {
    if (rec.got >= rec.expected && rec.acked) {
      records.delete(clientId)
      if (rec.measured) outstanding--
    }
  }

  rooms.forEach((room) => {
    for (const socket of room.sockets) {
      socket.onFrame = (kind, clientId, raw) => {
        const now = performance.now()
        if (kind === 'error') {
          const code = /"code":"([a-z_]+)"/.exec(raw)?.[1] ?? 'unknown'
          errorCodes[code] = (errorCodes[code] ?? 0) + 1
        }
        if (!clientId) return
        const rec = records.get(clientId)
        if (!rec) return
        if (kind === 'message') {
          rec.got++
          if (rec.measured) latencies.push(now - rec.sentAt)
          if (inWindow(now)) deliveriesInWindow++
        } else if (kind === 'ack' || kind === 'error') {
          if (!rec.acked) {
            rec.acked = true
            rec.sender.inflight--
            if (kind === 'ack' && rec.measured) ackLatencies.push(now - rec.sentAt)
            if (kind === 'ack' && inWindow(now)) acksInWindow++
            if (kind === 'error') rec.expected = 0
          }
        } else return
        settle(clientId, rec)
      }
    }
  })

  const senders = allSenders.map((s, i) => ({ ...s, id: `r${run}s${i}`, n: 0, inflight: 0, tokens: Math.random(), members: rooms[s.room].sockets.length }))
  let last = performance.now()
  const tick = () => {
    const now = performance.now()
    const refill = ((now - last) / 1000) * ratePerSender
    last = now
    if (phase === 'drain') return
    const measured = phase === 'measure'
    for (const s of senders) {
      s.tokens = Math.min(BUCKET_CAPACITY, s.tokens + refill)
      while (s.tokens >= 1 && s.inflight < window && s.socket.ws.readyState === 1) {
        s.tokens -= 1
        s.inflight++
        const clientId = `${s.id}-${s.n++}`
        records.set(clientId, { sentAt: performance.now(), expected: s.members, got: 0, acked: false, measured, sender: s })
        if (measured) {
          sentInWindow++
          outstanding++
        }
        s.socket.ws.send(`{"type":"send","client_id":"${clientId}","text":"${text}"}`)
      }
    }
  }
  const timer = setInterval(tick, TICK_MS)
  try {
    await sleep(warmupMs)
    const cpuBefore = server ? serverCpu(server) : null
    const eluBefore = performance.eventLoopUtilization()
    measureStart = performance.now()
    phase = 'measure'
    await sleep(measureMs)
    measureEnd = performance.now()
    phase = 'drain'
    const cpuAfter = server ? serverCpu(server) : null
    const elu = performance.eventLoopUtilization(eluBefore).utilization
    const drainDeadline = performance.now() + drainMs
    while (outstanding > 0 && performance.now() < drainDeadline) await sleep(20)

    let lost = 0
    for (const rec of records.values()) if (rec.measured) lost += Math.max(0, rec.expected - rec.got)
    const seconds = (measureEnd - measureStart) / 1000
    const workerdCpuS = cpuAfter ? cpuAfter.workerd - cpuBefore.workerd : null
    const stored = acksInWindow / seconds
    const delivered = deliveriesInWindow / seconds
    const closes = {}
    for (const room of rooms) for (const socket of room.sockets) if (socket.closed) closes[socket.closed.code] = (closes[socket.closed.code] ?? 0) + 1
    return {
      senders: senders.length,
      sockets: rooms.reduce((n, room) => n + room.sockets.length, 0),
      offered_msgs_per_s: opts.rateTotal ?? null,
      sent_msgs_per_s: round(sentInWindow / seconds),
      stored_msgs_per_s: round(stored),
      deliveries_per_s: round(delivered),
      latency_ms: percentiles(latencies),
      ack_ms: percentiles(ackLatencies),
      samples: latencies.length,
      lost_deliveries: lost,
      error_frames: errorCodes,
      sockets_closed: closes,
      load_avg_1m: round(os.loadavg()[0], 2),
      client_event_loop_utilization: round(elu, 2),
      server_cpu_utilization: workerdCpuS === null ? null : round(workerdCpuS / seconds, 2),
      server_cpu_us_per_msg: workerdCpuS === null || stored === 0 ? null : round((workerdCpuS * 1e6) / (stored * seconds), 0),
      server_cpu_us_per_delivery: workerdCpuS === null || delivered === 0 ? null : round((workerdCpuS * 1e6) / (delivered * seconds), 1),
    }
  } finally {
    clearInterval(timer)
    for (const room of rooms) for (const socket of room.sockets) socket.onFrame = () => {}
  }
}

/**
 * Sends `total` messages through `senders` as fast as the flood limit and a window of unacked
 * messages allow, and resolves once every one is acked. Used to seed rooms through the real path.
 */
export async function sendMessages(senders, total, { window = 16, timeoutMs = 60000, textChars = 100, onProgress } = {}) {
  const run = ++runCounter
  const text = 'x'.repeat(textChars)
  const state = senders.map((socket, i) => ({ socket, id: `seed${run}s${i}`, n: 0, inflight: 0, tokens: BUCKET_CAPACITY }))
  let sent = 0
  let acked = 0
  const errors = {}
  for (const s of state) {
    s.socket.onFrame = (kind, clientId, raw) => {
      if ((kind !== 'ack' && kind !== 'error') || !clientId?.startsWith(`${s.id}-`)) {
        if (kind === 'error' && !clientId) errors.unknown = (errors.unknown ?? 0) + 1
        return
      }
      s.inflight--
      if (kind === 'ack') acked++
      else {
        const code = /"code":"([a-z_]+)"/.exec(raw)?.[1] ?? 'unknown'
        errors[code] = (errors[code] ?? 0) + 1
      }
    }
  }
  const started = performance.now()
  const deadline = started + timeoutMs
  let last = started
  let lastReport = started
  try {
    while (acked + Object.values(errors).reduce((a, b) => a + b, 0) < total) {
      const now = performance.now()
      if (now > deadline) throw new Error(`seeding: only ${acked}/${total} acked within ${timeoutMs} ms (errors ${JSON.stringify(errors)})`)
      const refill = ((now - last) / 1000) * MAX_RATE_PER_SENDER
      last = now
      for (const s of state) {
        s.tokens = Math.min(BUCKET_CAPACITY, s.tokens + refill)
        while (sent < total && s.tokens >= 1 && s.inflight < window && s.socket.ws.readyState === 1) {
          s.tokens -= 1
          s.inflight++
          sent++
          s.socket.ws.send(`{"type":"send","client_id":"${s.id}-${s.n++}","text":"${text}"}`)
        }
      }
      if (onProgress && now - lastReport > 5000) {
        lastReport = now
        onProgress(acked, total)
      }
      await sleep(TICK_MS)
    }
  } finally {
    for (const s of state) s.socket.onFrame = () => {}
  }
  const seconds = (performance.now() - started) / 1000
  return { messages: acked, seconds: round(seconds, 2), msgs_per_s: round(acked / seconds), errors }
}
