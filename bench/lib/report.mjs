// Results: a console/markdown table, the raw JSON and a hand-written SVG chart.
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { round } from './stats.mjs'

/** Adds ratio_to_baseline to each app fan-out / many-rooms row that has a matching baseline row. */
export function addRatios(rows) {
  const key = (r) => `${r.scenario}|${r.members}|${r.rooms ?? ''}|${r.load}`
  const baseline = new Map(rows.filter((r) => r.target === 'baseline' && r.load).map((r) => [key(r), r]))
  const durableBaseline = new Map(rows.filter((r) => r.target === 'baseline-full-batch' && r.scenario === 'many-rooms' && r.load).map((r) => [key(r), r]))
  for (const row of rows) {
    if (row.target !== 'app' || !row.load) continue
    const base = baseline.get(key(row))
    if (!base) continue
    row.ratio_to_baseline = {
      deliveries_per_s: base.deliveries_per_s ? round(row.deliveries_per_s / base.deliveries_per_s, 2) : null,
      latency_p99: base.latency_ms.p99 ? round(row.latency_ms.p99 / base.latency_ms.p99, 2) : null,
    }
    // The same shape against the baseline that also encrypts and stores (many-rooms runs it alongside).
    const durable = durableBaseline.get(key(row))
    if (durable?.deliveries_per_s) row.ratio_to_durable_baseline = { deliveries_per_s: round(row.deliveries_per_s / durable.deliveries_per_s, 2) }
  }
  const upBase = rows.find((r) => r.scenario === 'upgrades' && r.target === 'baseline')
  for (const row of rows) {
    if (row.scenario !== 'upgrades' || row.target !== 'app' || !upBase) continue
    row.ratio_to_baseline = { upgrades_per_s: round(row.upgrades_per_s / upBase.upgrades_per_s, 2) }
    // CPU per upgrade the other way round (baseline ÷ app), so that above 1 means cheaper, as the rate's ratio.
    if (row.server_cpu_us_per_upgrade && upBase.server_cpu_us_per_upgrade) row.ratio_to_baseline.cpu_per_upgrade = round(upBase.server_cpu_us_per_upgrade / row.server_cpu_us_per_upgrade, 2)
    if (row.server_cpu_us_per_upgrade_workerd && upBase.server_cpu_us_per_upgrade_workerd) row.ratio_to_baseline.workerd_cpu_per_upgrade = round(upBase.server_cpu_us_per_upgrade_workerd / row.server_cpu_us_per_upgrade_workerd, 2)
    // The same against the baseline in the app's platform shape (asset router in front, a log line per upgrade).
    const shaped = rows.find((r) => r.scenario === 'upgrades' && r.target === 'baseline-shaped')
    if (shaped) {
      row.ratio_to_shaped_baseline = { upgrades_per_s: round(row.upgrades_per_s / shaped.upgrades_per_s, 2) }
      if (row.server_cpu_us_per_upgrade && shaped.server_cpu_us_per_upgrade) row.ratio_to_shaped_baseline.cpu_per_upgrade = round(shaped.server_cpu_us_per_upgrade / row.server_cpu_us_per_upgrade, 2)
    }
  }
}

const fmt = (x) => (x === null || x === undefined ? '-' : String(x))

/** One markdown table covering the load rows; other scenarios get their own lines. */
export function formatTable(rows) {
  const lines = []
  lines.push('| scenario | target | rooms x sockets | load | sent msg/s | stored msg/s | deliveries/s | ratio | p50 ms | p95 ms | p99 ms | lost | server CPU µs/msg | client ELU |')
  lines.push('| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const r of rows.filter((row) => row.load && !row.error)) {
    const shape = r.scenario === 'many-rooms' ? `${r.rooms} x ${r.members}` : `1 x ${r.members}`
    const load = r.load === 'fixed' ? `fixed ${r.offered_msgs_per_s}/s` : `saturation${r.flood_limited ? ' (flood-limited)' : ''}`
    lines.push(
      `| ${r.scenario} | ${r.target} | ${shape} | ${load} | ${fmt(r.sent_msgs_per_s)} | ${fmt(r.stored_msgs_per_s)} | ${fmt(r.deliveries_per_s)} | ${fmt(r.ratio_to_baseline?.deliveries_per_s)}${r.ratio_to_durable_baseline ? ` (${r.ratio_to_durable_baseline.deliveries_per_s} of full-batch)` : ''} | ${fmt(r.latency_ms.p50)} | ${fmt(r.latency_ms.p95)} | ${fmt(r.latency_ms.p99)} | ${fmt(r.lost_deliveries)} | ${fmt(r.server_cpu_us_per_msg)} | ${fmt(r.client_event_loop_utilization)} |`,
    )
  }
  lines.push('')
  lines.push('| scenario | target | result |')
  lines.push('| --- | --- | --- |')
  for (const r of rows.filter((row) => !row.load || row.error)) lines.push(`| ${r.scenario} | ${r.target} | ${summary(r)} |`)
  return lines.join('\n')
}

function summary(r) {
  if (r.error) return `FAILED: ${r.error}`
  switch (r.scenario) {
    case 'resume':
      return `${r.delivered}/${r.missed} missed messages replayed; reconnect to 'resumed' p50 ${r.resume_ms.p50} ms, p95 ${r.resume_ms.p95} ms${r.error ? ` (${r.error})` : ''}`
    case 'storm': {
      const ratio = r.ratio_to_baseline ? `; ${r.ratio_to_baseline.all_resumed_ms}x baseline's time, fds ${r.ratio_to_baseline.fds_after}x, RSS ${r.ratio_to_baseline.rss_after}x` : ''
      return `${r.members} sockets drop (no close frame) and reconnect with since, ${r.missed} missed, x${r.storms}: all resumed p50 ${r.all_resumed_ms.p50} ms (max ${r.all_resumed_ms.max}); workerd fds ${r.fds_before} -> ${r.fds_after}, RSS ${r.rss_mib_before} -> ${r.rss_mib_after} MiB${ratio}`
    }
    case 'history':
      return `page of ${r.page_size} from ${r.messages} messages: client p50 ${r.client_ms.p50} / p95 ${r.client_ms.p95} ms; empty room p50 ${r.empty_room_client_ms.p50} ms; /health p50 ${r.health_client_ms.p50} ms; server ≈ ${r.server_ms_p50} ms (${r.server_ms_method}); seeded at ${r.seed_msgs_per_s} msg/s`
    case 'login':
      return `${r.logins_per_s_sequential} logins/s sequential, ${r.logins_per_s_concurrent}/s at concurrency ${r.concurrency}; login p50 ${r.login_ms.p50} ms, refused (no hash) p50 ${r.refused_login_ms.p50} ms; one argon2id hash ${r.hash_ms_in_workerd} ms in workerd (login - refused: ${r.hash_ms_login_minus_refused} ms)`
    case 'upgrades':
      return `${r.upgrades_per_s} upgrades/s (${r.sockets} sockets, ${r.concurrency} at a time; median of ${r.runs ?? 1} rounds: ${(r.runs_upgrades_per_s ?? [r.upgrades_per_s]).join(', ')}), ready p50 ${r.setup_ms.p50} ms, p99 ${r.setup_ms.p99} ms${r.server_cpu_us_per_upgrade ? `, server CPU ${r.server_cpu_us_per_upgrade} µs per upgrade (workerd ${r.server_cpu_us_per_upgrade_workerd})` : ''}${r.ratio_to_baseline ? `; ${r.ratio_to_baseline.upgrades_per_s}x baseline${r.ratio_to_baseline.cpu_per_upgrade ? ` (CPU per upgrade: ${r.ratio_to_baseline.cpu_per_upgrade}x, workerd alone ${r.ratio_to_baseline.workerd_cpu_per_upgrade}x)` : ''}` : ''}${r.ratio_to_shaped_baseline ? `; ${r.ratio_to_shaped_baseline.upgrades_per_s}x baseline-shaped (CPU per upgrade: ${r.ratio_to_shaped_baseline.cpu_per_upgrade}x)` : ''}`
    case 'idle-channels':
      return `${r.channels} idle live channels over ${r.users} users: workerd RSS ${r.rss_mib_before} -> ${r.rss_mib_open} MiB (${r.kib_per_channel} KiB per channel), ${r.rss_mib_after_close} MiB after closing`
    case 'attachments':
      return `${r.file_mib} MiB file: upload ${r.upload_mib_per_s} MiB/s (p50 ${r.upload_ms.p50} ms), download ${r.download_mib_per_s} MiB/s (p50 ${r.download_ms.p50} ms); workerd RSS idle ${r.rss_mib_idle} MiB, peak ${r.rss_mib_peak_upload} MiB uploading, ${r.rss_mib_peak_download} MiB downloading`
    case 'first-message':
      return `${r.users} new users one at a time: ${Object.entries(r.steps)
        .map(([step, v]) => `${step} p50 ${v.wall_ms.p50} / p95 ${v.wall_ms.p95} ms, ${v.cpu_ms_per_user} ms CPU (${v.cpu_ms_per_user_minus_idle} minus idle)`)
        .join('; ')}; total p50 ${r.total_wall_ms.p50} ms`
    case 'cost':
      return `${r.shape} x${r.members} (${r.users_online} users online): ${['dense', 'sparse']
        .map((phase) => {
          const p = r[phase]
          const per = (x) => round(x / p.messages, 2)
          return `${phase} ${p.messages} msgs: per message ${per(p.room.wsMessages)} room ws msgs, ${per(p.room.rpcs + p.hub.rpcs)} DO RPCs, ${per(p.room.activeMs)} + ${per(p.hub.activeMs)} ms active (room + hubs), SQLite ${per(p.sql.rowsRead)} read / ${per(p.sql.rowsWritten)} written, D1 ${per(p.d1.rowsRead)} read / ${per(p.d1.rowsWritten)} written, ${per(p.room.storedBytes)} stored bytes`
        })
        .join('; ')}`
    case 'micro':
      return Object.entries(r)
        .filter(([k]) => !['scenario', 'target'].includes(k))
        .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`)
        .join(', ')
    default:
      return r.error ? `FAILED: ${r.error}` : JSON.stringify(r)
  }
}

const escapeXml = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c])

/** Chart rows: every load row, then one row per other scenario (throughput in its own unit). */
function chartRows(rows) {
  const out = []
  for (const r of rows) {
    if (r.error) continue
    if (r.load) {
      const shape = r.scenario === 'many-rooms' ? `${r.rooms}x${r.members}` : `${r.members} members`
      out.push({ label: `${r.scenario} ${shape} ${r.load === 'fixed' ? `@${r.offered_msgs_per_s}/s` : 'sat'} · ${r.target}`, target: r.target, value: r.deliveries_per_s, unit: '', latency: r.latency_ms })
    } else if (r.scenario === 'history') {
      out.push({ label: `history page of 50 / ${r.messages} (client)`, target: r.target, value: null, latency: r.client_ms })
    } else if (r.scenario === 'resume') {
      out.push({ label: `resume ${r.missed} missed (to 'resumed')`, target: r.target, value: null, latency: { ...r.resume_ms, p99: r.resume_ms.p95 } })
    } else if (r.scenario === 'upgrades') {
      out.push({ label: `ws upgrades · ${r.target}`, target: r.target, value: r.upgrades_per_s, unit: ' upgrades/s', latency: r.setup_ms })
    } else if (r.scenario === 'login') {
      out.push({ label: 'login', target: r.target, value: r.logins_per_s_sequential, unit: ' logins/s', latency: r.login_ms })
    }
  }
  return out
}

/**
 * Two panels: left, throughput as bars on a log axis (deliveries/s for load rows, the stated unit
 * otherwise); right, latency p50/p95/p99 as three marks on a log axis. App blue, baseline grey.
 */
export function renderSvg(rows, title) {
  const items = chartRows(rows)
  const rowH = 22
  const top = 60
  const labelW = 300
  const panelW = 330
  const gap = 60
  const width = labelW + panelW * 2 + gap + 40
  const height = top + items.length * rowH + 50
  const maxD = Math.max(10, ...items.map((r) => r.value ?? 0))
  const maxL = Math.max(10, ...items.map((r) => r.latency?.p99 ?? 0))
  const pos = (v, min, max, w) => Math.round((v > 0 ? Math.max(0, Math.log10(Math.max(v, min) / min) / Math.log10(max / min)) : 0) * w * 10) / 10
  const out = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`)
  out.push(`<rect width="100%" height="100%" fill="white"/>`)
  out.push(`<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`)
  const x1 = labelW
  const x2 = labelW + panelW + gap
  out.push(`<text x="${x1}" y="${top - 22}" font-weight="bold">throughput (log): deliveries/s unless a unit is shown</text>`)
  out.push(`<text x="${x2}" y="${top - 22}" font-weight="bold">latency ms (log): ● p50 ▲ p95 ■ p99</text>`)
  const bottom = top + items.length * rowH
  for (const [x0, min, max] of [
    [x1, 1, maxD],
    [x2, 0.1, maxL],
  ]) {
    for (let d = min; d <= max * 1.01; d *= 10) {
      const x = x0 + pos(d, min, max, panelW)
      out.push(`<line x1="${x}" y1="${top - 8}" x2="${x}" y2="${bottom}" stroke="#ddd"/>`)
      out.push(`<text x="${x}" y="${bottom + 14}" text-anchor="middle" fill="#666">${d >= 1 ? d : d.toFixed(1)}</text>`)
    }
  }
  items.forEach((r, i) => {
    const y = top + i * rowH
    const color = r.target === 'app' ? '#2563eb' : '#9ca3af'
    out.push(`<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${escapeXml(r.label)}</text>`)
    if (r.value !== null && r.value !== undefined) {
      const w = pos(r.value, 1, maxD, panelW)
      out.push(`<rect x="${x1}" y="${y + 4}" width="${Math.max(1, w)}" height="${rowH - 8}" fill="${color}"/>`)
      out.push(`<text x="${x1 + w + 4}" y="${y + 14}" fill="#333">${fmt(r.value)}${r.unit ?? ''}</text>`)
    }
    const { p50, p95, p99 } = r.latency ?? {}
    if (p50 !== null && p50 !== undefined) {
      const [a, b, c] = [p50, p95, p99].map((v) => x2 + pos(v, 0.1, maxL, panelW))
      out.push(`<line x1="${a}" y1="${y + 11}" x2="${c}" y2="${y + 11}" stroke="${color}" stroke-width="2"/>`)
      out.push(`<circle cx="${a}" cy="${y + 11}" r="4" fill="${color}"/>`)
      out.push(`<path d="M${b - 4},${y + 15} L${b},${y + 7} L${b + 4},${y + 15} Z" fill="${color}"/>`)
      out.push(`<rect x="${c - 4}" y="${y + 7}" width="8" height="8" fill="${color}"/>`)
      out.push(`<text x="${c + 7}" y="${y + 14}" fill="#333">${p99}</text>`)
    }
  })
  out.push(`<text x="10" y="${height - 10}" fill="#2563eb">■ app (auth + storage + AES-GCM)</text>`)
  out.push(`<text x="220" y="${height - 10}" fill="#9ca3af">■ bare broadcast baseline (and its ablations)</text>`)
  out.push('</svg>')
  return out.join('\n')
}

export function writeResults(outDir, name, results) {
  const json = path.join(outDir, `${name}.json`)
  const svg = path.join(outDir, `${name}.svg`)
  const md = path.join(outDir, `${name}.md`)
  writeFileSync(json, JSON.stringify(results, null, 2) + '\n')
  writeFileSync(svg, renderSvg(results.rows, `npm run bench${results.quick ? ' --quick' : ''} · ${results.machine.cpu} · ${results.started_at}`) + '\n')
  writeFileSync(md, `${machineLine(results)}\n\n${formatTable(results.rows)}\n`)
  return { json, svg, md }
}

export function machineLine(results) {
  const m = results.machine
  return `Machine: ${m.cores} cores, ${m.cpu}, ${m.memory_gb} GB RAM, Node ${m.node}, wrangler ${m.wrangler}, workerd ${m.workerd}, ulimit -n ${m.open_files_limit}; ${results.quick ? 'quick' : 'full'} run ${results.started_at}, ${results.wall_s} s wall; servers' state on ${results.state ?? 'disk'}.`
}
