// Resume: a member drops, `missed` messages are stored meanwhile, and it reconnects with
// ?since=<last seq it saw>. Measured from the start of the reconnect to the 'resumed' frame, with
// every missed message delivered in between (counted).
import { sendMessages } from '../lib/load.mjs'
import { closeAll, closeSocket, openSocket } from '../lib/socket.mjs'
import { percentiles, round, withDeadline } from '../lib/stats.mjs'

export async function resume(target, { missed, repeats, log }) {
  const room = await target.createRoom()
  const watcher = await openSocket(room.url(0), { origin: target.server.url })
  const since = watcher.readyFrame.last_seq
  await closeSocket(watcher)
  const senders = await room.openSockets(Math.min(20, Math.ceil(missed / 50)))
  const seeded = await sendMessages(senders, missed, { timeoutMs: 120000 })
  await closeAll(senders)
  const times = []
  let lastCount = 0
  for (let i = 0; i < repeats; i++) {
    const started = performance.now()
    let count = 0
    let done
    const resumed = new Promise((resolve) => (done = resolve))
    const socket = await openSocket(room.url(0, since), {
      origin: target.server.url,
      timeoutMs: 30000,
      onFrame: (kind) => {
        if (kind === 'message') count++
        else if (kind === 'resumed') done(performance.now())
      },
    })
    const end = await withDeadline(resumed, 30000, "resume: 'resumed' frame")
    times.push(end - started)
    lastCount = count
    await closeSocket(socket)
  }
  const row = { scenario: 'resume', target: target.name, missed, delivered: lastCount, repeats, resume_ms: percentiles(times, [50, 95]), seed_msgs_per_s: seeded.msgs_per_s, per_message_us: round((percentiles(times, [50]).p50 * 1000) / missed, 1) }
  log(`resume ${missed} missed: p50 ${row.resume_ms.p50} ms, delivered ${lastCount}`)
  if (lastCount !== missed) row.error = `expected ${missed} replayed messages, got ${lastCount}`
  return [row]
}
