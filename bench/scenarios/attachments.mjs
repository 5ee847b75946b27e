// Attachments (issue #13): upload and download throughput of one file of `megabytes` MiB (the default
// limit is 10 MiB) through the real routes, and the workerd processes' peak resident memory while each
// runs, against the idle level before. The worker streams both ways in 64 KiB chunks, so the peak
// should stay far below the file's size; a buffering bug would show as a jump of about the file.
// Memory is VmRSS of every workerd process of the app (bench/lib/servers.mjs), sampled every 10 ms;
// that includes Miniflare's local R2, so a 1 MiB file is measured first as the comparison: if the
// worker buffered files, the 10 MiB peak would sit about 9 MiB above the 1 MiB one.
import { PATHS } from '../lib/protocol.mjs'
import { serverRssKib } from '../lib/servers.mjs'
import { percentiles, round } from '../lib/stats.mjs'

const SAMPLE_MS = 10

/** Runs `fn` while sampling the server's RSS; resolves with fn's result and the peak in KiB. */
async function withPeakRss(server, fn) {
  let peak = serverRssKib(server)
  const timer = setInterval(() => {
    peak = Math.max(peak, serverRssKib(server))
  }, SAMPLE_MS)
  try {
    const result = await fn()
    return { result, peakKib: Math.max(peak, serverRssKib(server)) }
  } finally {
    clearInterval(timer)
  }
}

/** Pseudo-random bytes behind a PDF signature, so the type check accepts the file and nothing compresses it. */
function pdfFile(bytes) {
  const file = new Uint8Array(bytes)
  crypto.getRandomValues(file.subarray(0, Math.min(bytes, 65536)))
  for (let i = 65536; i < bytes; i += 65536) file.set(file.subarray(0, Math.min(65536, bytes - i)), i)
  file.set(new TextEncoder().encode('%PDF-1.7\n'))
  return file
}

export async function attachments(target, { megabytes, repeats, log }) {
  const room = await target.createRoom(1)
  const rows = []
  for (const size of [1, megabytes]) rows.push(await measureFile(target, room, size, repeats, log))
  return rows
}

async function measureFile(target, room, megabytes, repeats, log) {
  const { api, server } = target
  const token = target.users[0].token
  const file = pdfFile(megabytes * 1024 * 1024)
  const mib = file.byteLength / 1024 / 1024
  const uploads = []
  const downloads = []
  let idleKib = serverRssKib(server)
  let uploadPeakKib = 0
  let downloadPeakKib = 0
  for (let i = 0; i < repeats; i++) {
    idleKib = Math.min(idleKib, serverRssKib(server))
    const up = await withPeakRss(server, async () => {
      const started = performance.now()
      const res = await fetch(`${api.baseUrl}${PATHS.chatAttachments(room.chatId)}?name=bench.pdf`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/pdf', Origin: api.baseUrl },
        body: file,
      })
      const text = await res.text()
      if (res.status !== 201) throw new Error(`upload -> ${res.status} ${text.slice(0, 200)}`)
      return { ms: performance.now() - started, id: JSON.parse(text).attachment_id }
    })
    uploadPeakKib = Math.max(uploadPeakKib, up.peakKib)
    uploads.push(up.result.ms)
    const down = await withPeakRss(server, async () => {
      const started = performance.now()
      const res = await fetch(`${api.baseUrl}${PATHS.chatAttachment(room.chatId, up.result.id)}`, { headers: { Authorization: `Bearer ${token}`, Origin: api.baseUrl } })
      const body = new Uint8Array(await res.arrayBuffer())
      if (res.status !== 200 || body.byteLength !== file.byteLength) throw new Error(`download -> ${res.status}, ${body.byteLength} bytes`)
      if (Buffer.compare(body, file) !== 0) throw new Error('download: bytes differ from the upload')
      return { ms: performance.now() - started }
    })
    downloadPeakKib = Math.max(downloadPeakKib, down.peakKib)
    downloads.push(down.result.ms)
    log(`attachments: ${mib} MiB up ${round(uploads.at(-1), 0)} ms, down ${round(downloads.at(-1), 0)} ms`)
  }
  const mbPerS = (ms) => round(mib / (ms / 1000), 1)
  const upP = percentiles(uploads)
  const downP = percentiles(downloads)
  return {
    scenario: 'attachments',
    target: target.name,
    file_mib: mib,
    repeats,
    upload_ms: upP,
    download_ms: downP,
    upload_mib_per_s: mbPerS(upP.p50),
    download_mib_per_s: mbPerS(downP.p50),
    rss_mib_idle: round(idleKib / 1024, 1),
    rss_mib_peak_upload: round(uploadPeakKib / 1024, 1),
    rss_mib_peak_download: round(downloadPeakKib / 1024, 1),
    rss_sample_ms: SAMPLE_MS,
  }
}
