#!/usr/bin/env node
// node bench/cost.mjs [results.json]   (default: the newest bench/results/*.json with cost rows)
// Dollars per million messages on the Workers Paid plan from the bench's `cost` rows (what the app
// counted with BENCH_METER=1, scenarios/cost.mjs). Marginal prices, i.e. beyond the plan's monthly
// included amounts and its $5 base. Prices as published on 2026-11-30:
//  - Durable Objects (https://developers.cloudflare.com/durable-objects/platform/pricing/):
//    requests $0.15/million, incoming WebSocket messages billed 20:1; duration $12.50/million GB-s at
//    128 MB per object, only while active (an idle object with hibernatable sockets is not billed);
//    SQLite storage rows read $0.001/million, rows written $1.00/million, stored $0.20/GB-month.
//  - D1 (https://developers.cloudflare.com/d1/platform/pricing/): rows read $0.001/million, rows
//    written $1.00/million.
//  - Workers (https://developers.cloudflare.com/workers/platform/pricing/): requests $0.30/million;
//    socket messages are not Worker requests (each upgrade is one, counted per connect).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

export const PRICES = {
  workerRequestPerMillion: 0.3,
  doRequestPerMillion: 0.15,
  wsMessagesPerRequest: 20,
  doGbSecondPerMillion: 12.5,
  doMemoryGb: 0.128,
  rowReadPerMillion: 0.001,
  rowWrittenPerMillion: 1.0,
  doStoredGbMonth: 0.2,
}

/**
 * Dollars per million messages for one phase (`dense` or `sparse`) of a cost row. The chat-list
 * notifications' share (one hub call per online member per window, and its D1 query) is scaled from
 * the users the bench had online to every member online with one tab (`hubScale` = members / users).
 */
export function perMillion(phase, hubScale = 1) {
  const n = phase.messages
  const M = 1e6 / n
  const P = PRICES
  const doRequests = (phase.room.wsMessages + phase.hub.wsMessages * hubScale) / P.wsMessagesPerRequest + phase.room.rpcs + phase.room.fetches + phase.room.alarms + (phase.hub.rpcs + phase.hub.fetches + phase.hub.alarms) * hubScale
  const activeS = (phase.room.activeMs + phase.hub.activeMs * hubScale) / 1000
  const parts = {
    worker_requests: (phase.worker_requests * M * P.workerRequestPerMillion) / 1e6,
    do_requests: (doRequests * M * P.doRequestPerMillion) / 1e6,
    do_duration: (activeS * P.doMemoryGb * M * P.doGbSecondPerMillion) / 1e6,
    do_sqlite_rows: ((phase.sql.rowsRead * P.rowReadPerMillion + phase.sql.rowsWritten * P.rowWrittenPerMillion) * M) / 1e6,
    // The notification's D1 query (chats/list.ts listRowsOfChat) reads about 2n + 1 rows for n
    // online members (worker/chats/list.test.ts), so it is scaled like the hub calls. Results
    // recorded before that query was made linear read (n + 1)^2 and are understated by this.
    d1_rows: ((phase.d1.rowsRead * hubScale * P.rowReadPerMillion + phase.d1.rowsWritten * P.rowWrittenPerMillion) * M) / 1e6,
  }
  const storedGb = (phase.room.storedBytes * M) / 1e9
  return { parts, total: Object.values(parts).reduce((a, b) => a + b, 0), stored_gb: storedGb, storage_per_month: storedGb * P.doStoredGbMonth }
}

const usd = (x) => (x >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(3)}`)

/** The markdown table of docs/performance.md ("What a message costs") for a results object. */
export function costTable(results) {
  const lines = [
    '| chat | traffic | DO requests | DO duration | SQLite rows | D1 rows | total per million messages | storage per million messages kept |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const row of results.rows.filter((r) => r.scenario === 'cost' && !r.error)) {
    const hubScale = row.members / row.users_online
    // Storage grows in 4 KiB pages: only the dense phase stores enough messages to measure it.
    const stored = perMillion(row.dense, hubScale)
    for (const phase of ['dense', 'sparse']) {
      const c = perMillion(row[phase], hubScale)
      const chat = row.shape === '1:1' ? '1:1' : `group of ${row.members}`
      lines.push(`| ${chat} | ${phase} | ${usd(c.parts.do_requests)} | ${usd(c.parts.do_duration)} | ${usd(c.parts.do_sqlite_rows)} | ${usd(c.parts.d1_rows)} | **${usd(c.total)}** | ${stored.stored_gb.toFixed(2)} GB, ${usd(stored.storage_per_month)}/month |`)
    }
  }
  return lines.join('\n')
}

function newestWithCost(dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(dir, f))
    .filter((f) => {
      try {
        return JSON.parse(readFileSync(f, 'utf8')).rows?.some((r) => r.scenario === 'cost' && !r.error)
      } catch {
        return false
      }
    })
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
  if (!files.length) throw new Error(`no results with cost rows in ${dir}: run npm run bench -- --only cost`)
  return files[0]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? newestWithCost(path.join(import.meta.dirname, 'results'))
  const results = JSON.parse(readFileSync(file, 'utf8'))
  console.log(`${path.relative(process.cwd(), file)} (${results.started_at}, ${results.quick ? 'quick' : 'full'} run)\n`)
  console.log(costTable(results))
}
