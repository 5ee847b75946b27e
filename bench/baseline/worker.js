// Bench-only worker (see bench/baseline/wrangler.toml). Two jobs:
//  1. GET /ws/<room>?mode=bare: the bare Durable Object broadcast the app's rooms are compared with.
//     Same frames as protocol/socket.ts ('send' in; 'message' to every socket, 'ack' to the sender),
//     but no auth, no storage, no encryption. Other modes add one cost at a time so the bench can
//     attribute the app's per-message cost: store (one SQLite insert per message), crypto (AES-GCM
//     encrypt once + decrypt once), full (both: the design the issue asks for), decrypt-each (encrypt
//     once, decrypt once per recipient: the cost to avoid), store-batch (store, but queue the frames
//     that arrive together and insert them in one transaction from one timer turn, so one commit
//     covers many messages; acks and broadcasts still wait for that commit via the output gate),
//     full-locked (full, but each message runs inside a promise-chain lock held across the encrypt
//     await, as the app's room.exclusive does), full-batch (the frames that arrive together are
//     encrypted concurrently, then inserted in one transaction and broadcast in seq order),
//     app-sql (full-locked plus the app's extra SQL per message: dedupe lookup on a unique
//     (sender_id, client_id) index, max(seq), read-cursor upsert), app-attach (app-sql plus the app's
//     per-frame deserializeAttachment/serializeAttachment of the socket state).
//     wrangler.shaped.toml runs the same worker behind static assets and with LOG_UPGRADES=1 (one log
//     line per upgrade): the app's platform shape, for the upgrades row.
//  2. GET /micro/*: single measurements timed inside workerd (Date.now advances during CPU work
//     locally), e.g. one argon2id hash with the app's parameters.
import { argon2id } from '@noble/hashes/argon2.js'
import { DurableObject } from 'cloudflare:workers'

const MODES = new Set(['bare', 'store', 'store-batch', 'crypto', 'full', 'full-locked', 'full-batch', 'app-sql', 'app-attach', 'decrypt-each'])
const RECENT = 1000
const encoder = new TextEncoder()
const decoder = new TextDecoder()

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    const parts = url.pathname.split('/').filter(Boolean)
    if (parts[0] === 'health') return Response.json({ ok: true })
    if (parts[0] === 'ws' && parts[1]) {
      if (request.headers.get('Upgrade') !== 'websocket') return new Response('expected a websocket', { status: 426 })
      if (env.LOG_UPGRADES !== '1') return env.ROOM.getByName(parts[1]).fetch(request)
      // wrangler.shaped.toml: one line per upgrade with the fields of the app's request line.
      const startMs = Date.now()
      const res = await env.ROOM.getByName(parts[1]).fetch(request)
      console.log(JSON.stringify({ level: 'info', event: 'request', request_id: crypto.randomUUID(), route: '/ws/:room', method: 'GET', status: res.status, duration_ms: Date.now() - startMs, user_id: 1 }))
      return res
    }
    if (parts[0] === 'micro' && parts[1] === 'hash') return Response.json(hashOnce())
    if (parts[0] === 'micro' && parts[1] === 'crypto') return Response.json(await cryptoCosts(Number(url.searchParams.get('n') ?? 1000)))
    if (parts[0] === 'micro' && parts[1] === 'storage') {
      const stub = env.ROOM.getByName(`micro-${crypto.randomUUID()}`)
      return Response.json(await stub.storageCosts(Number(url.searchParams.get('rows') ?? 100000)))
    }
    return new Response('not found', { status: 404 })
  },
}

// The app's parameters (worker/auth/passwords.ts): argon2id m=19456 KiB, t=2, p=1, 32-byte output.
function hashOnce() {
  const salt = crypto.getRandomValues(new Uint8Array(16))
  const started = Date.now()
  argon2id(encoder.encode('correct horse battery staple'), salt, { m: 19456, t: 2, p: 1, dkLen: 32 })
  return { algorithm: 'argon2id m=19456 t=2 p=1', ms: Date.now() - started }
}

async function newKey() {
  return crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

async function encrypt(key, text, aad) {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad }, key, encoder.encode(text))
  return { iv, data }
}

async function decrypt(key, box, aad) {
  return decoder.decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: box.iv, additionalData: aad }, key, box.data))
}

function storedSeq(sql) {
  try {
    return sql.exec('SELECT max(seq) AS seq FROM messages').one().seq ?? 0
  } catch {
    return 0 // no messages table: a bare room, or one that never stored
  }
}

function sampleFrame(seq, text) {
  return {
    type: 'message',
    id: crypto.randomUUID(),
    seq,
    chat_id: 1,
    sender: 'bench-user',
    sender_id: 1,
    message: text,
    created_at: new Date().toISOString(),
    client_id: `c-${seq}`,
  }
}

async function cryptoCosts(n) {
  n = Math.min(Math.max(n, 10), 20000)
  const key = await newKey()
  const text = 'x'.repeat(120)
  const aad = encoder.encode('chat:1:seq:1')
  let started = Date.now()
  const boxes = []
  for (let i = 0; i < n; i++) boxes.push(await encrypt(key, text, aad))
  const encryptUs = ((Date.now() - started) * 1000) / n
  started = Date.now()
  for (const box of boxes) await decrypt(key, box, aad)
  const decryptUs = ((Date.now() - started) * 1000) / n
  started = Date.now()
  for (let i = 0; i < n; i++) JSON.stringify(sampleFrame(i, text))
  const stringifyUs = ((Date.now() - started) * 1000) / n
  return { n, message_chars: text.length, aes_gcm_encrypt_us: encryptUs, aes_gcm_decrypt_us: decryptUs, json_stringify_frame_us: stringifyUs }
}

export class BroadcastRoom extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env)
    // A storing room woken from hibernation (idle 10 s between two of the bench's phases) goes on from
    // its stored seq: starting again at 1 made every insert fail on the primary key, so a woken
    // full-batch room answered nothing. A room that never stored has no table and starts at 0.
    this.seq = storedSeq(ctx.storage.sql)
    this.mode = null
    this.key = null
    this.tableReady = false
  }

  async fetch(request) {
    const mode = new URL(request.url).searchParams.get('mode') ?? 'bare'
    if (!MODES.has(mode)) return new Response('unknown mode', { status: 400 })
    this.mode = mode
    const pair = new WebSocketPair()
    this.ctx.acceptWebSocket(pair[1])
    pair[1].serializeAttachment({ mode })
    pair[1].send(JSON.stringify({ type: 'ready', chat_id: 1, user_id: 1, last_seq: this.seq }))
    // A reconnect with `since` (the storm scenario): the recent messages after it from memory, then
    // 'resumed', as the app replays from storage.
    const since = new URL(request.url).searchParams.get('since')
    if (since !== null) {
      for (const frame of this.recent ?? []) if (frame.seq > Number(since)) trySend(pair[1], frame.json)
      pair[1].send(JSON.stringify({ type: 'resumed', last_seq: this.seq }))
    }
    // The same handshake as the app's: the client asks for edge-chat.v1 and the 101 selects it.
    const offered = request.headers.get('Sec-WebSocket-Protocol')?.split(',').map((name) => name.trim()) ?? []
    const headers = offered.includes('edge-chat.v1') ? { 'Sec-WebSocket-Protocol': 'edge-chat.v1' } : {}
    return new Response(null, { status: 101, webSocket: pair[0], headers })
  }

  async webSocketMessage(ws, data) {
    if (typeof data !== 'string') return
    const frame = JSON.parse(data)
    if (frame.type !== 'send' || typeof frame.text !== 'string') return
    const mode = this.mode ?? ws.deserializeAttachment().mode
    const seq = ++this.seq
    const message = { ...sampleFrame(seq, frame.text), client_id: frame.client_id ?? null }
    const sockets = this.ctx.getWebSockets()
    if (mode === 'store-batch' || mode === 'full-batch') return this.enqueue(ws, message)
    if (mode === 'app-attach') ws.serializeAttachment({ ...ws.deserializeAttachment(), flood: { tokens: 50, updatedAtMs: Date.now(), refusals: 0 } })
    if (mode === 'full-locked' || mode === 'app-sql' || mode === 'app-attach') {
      this.tail = (this.tail ?? Promise.resolve()).then(() => this.fullMessage(ws, message))
      return this.tail
    }
    if (mode === 'bare') {
      const json = JSON.stringify(message)
      this.remember(seq, json)
      this.broadcast(sockets, json)
    } else {
      const aad = encoder.encode(`chat:1:seq:${seq}`)
      const box = mode === 'store' ? null : await encrypt(await this.getKey(), frame.text, aad)
      if (mode !== 'crypto' && mode !== 'decrypt-each') this.insert(message, box)
      if (mode === 'decrypt-each') {
        for (const socket of sockets) {
          const text = await decrypt(this.key, box, aad)
          trySend(socket, JSON.stringify({ ...message, message: text }))
        }
      } else {
        if (box) message.message = await decrypt(this.key, box, aad)
        this.broadcast(sockets, JSON.stringify(message))
      }
    }
    trySend(ws, JSON.stringify({ type: 'ack', client_id: message.client_id, id: message.id, seq, duplicate: false }))
  }

  async fullMessage(ws, message) {
    const appSql = this.mode !== 'full-locked'
    if (appSql) {
      this.ensureTable()
      this.ctx.storage.sql.exec('SELECT seq FROM messages WHERE sender_id = ? AND client_id = ?', message.sender_id, message.client_id).toArray()
      this.ctx.storage.sql.exec('SELECT max(seq) AS seq FROM messages').one()
    }
    const aad = encoder.encode(`chat:1:seq:${message.seq}`)
    const box = await encrypt(await this.getKey(), message.message, aad)
    this.insert(message, box)
    if (appSql) {
      this.ctx.storage.sql.exec(
        'INSERT INTO read_cursors (user_id, seq) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET seq = max(seq, excluded.seq)',
        message.sender_id,
        message.seq,
      )
    }
    this.broadcast(this.ctx.getWebSockets(), JSON.stringify(message))
    trySend(ws, JSON.stringify({ type: 'ack', client_id: message.client_id, id: message.id, seq: message.seq, duplicate: false }))
  }

  enqueue(ws, message) {
    this.pending ??= []
    this.pending.push({ ws, message })
    if (this.pending.length === 1) setTimeout(() => this.flush(), 0)
  }

  async flush() {
    const batch = this.pending
    this.pending = []
    const encrypted = this.mode === 'full-batch'
    const key = encrypted ? await this.getKey() : null
    const boxes = encrypted ? await Promise.all(batch.map(({ message }) => encrypt(key, message.message, encoder.encode(`chat:1:seq:${message.seq}`)))) : []
    this.ctx.storage.transactionSync(() => {
      batch.forEach(({ message }, i) => this.insert(message, boxes[i] ?? null))
    })
    const sockets = this.ctx.getWebSockets()
    for (const { ws, message } of batch) {
      this.broadcast(sockets, JSON.stringify(message))
      trySend(ws, JSON.stringify({ type: 'ack', client_id: message.client_id, id: message.id, seq: message.seq, duplicate: false }))
    }
  }

  async webSocketClose(ws, code) {
    try {
      ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code)
    } catch {}
  }

  /** The last RECENT messages in memory, for replays to sockets reconnecting with `since`. */
  remember(seq, json) {
    this.recent ??= []
    this.recent.push({ seq, json })
    if (this.recent.length > RECENT) this.recent.shift()
  }

  broadcast(sockets, out) {
    for (const socket of sockets) trySend(socket, out)
  }

  async getKey() {
    this.key ??= await newKey()
    return this.key
  }

  ensureTable() {
    if (this.tableReady) return
    this.ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, client_id TEXT, sender_id INTEGER NOT NULL, body BLOB NOT NULL, iv BLOB, created_at TEXT NOT NULL)',
    )
    this.ctx.storage.sql.exec('CREATE UNIQUE INDEX IF NOT EXISTS messages_sender_client ON messages (sender_id, client_id) WHERE client_id IS NOT NULL')
    this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS read_cursors (user_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)')
    this.tableReady = true
  }

  insert(message, box) {
    this.ensureTable()
    this.ctx.storage.sql.exec(
      'INSERT INTO messages (seq, id, client_id, sender_id, body, iv, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      message.seq,
      message.id,
      message.client_id,
      message.sender_id,
      box ? box.data : encoder.encode(message.message),
      box ? box.iv : null,
      message.created_at,
    )
  }

  /** RPC for /micro/storage: insert cost, then the cost of reading and decrypting the newest 50 rows. */
  async storageCosts(rows) {
    rows = Math.min(Math.max(rows, 100), 200000)
    const key = await this.getKey()
    const text = 'x'.repeat(120)
    const box = await encrypt(key, text, encoder.encode('chat:1:seq:0'))
    this.ensureTable()
    let started = Date.now()
    const single = Math.min(rows, 2000)
    for (let i = 1; i <= single; i++) this.insert({ ...sampleFrame(i, text) }, box)
    const insertUs = ((Date.now() - started) * 1000) / single
    started = Date.now()
    this.ctx.storage.transactionSync(() => {
      for (let i = single + 1; i <= rows; i++) this.insert({ ...sampleFrame(i, text) }, box)
    })
    const batchedInsertUs = ((Date.now() - started) * 1000) / Math.max(rows - single, 1)
    // Date.now() has millisecond resolution here, so time 20 pages together and divide.
    started = Date.now()
    for (let i = 0; i < 20; i++) {
      const page = this.ctx.storage.sql
        .exec('SELECT seq, id, client_id, sender_id, body, iv, created_at FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT 50', rows - i * 1000)
        .toArray()
      const out = []
      for (const row of page.reverse()) {
        const text = await decrypt(key, { iv: new Uint8Array(row.iv), data: row.body }, encoder.encode('chat:1:seq:0'))
        out.push({ seq: row.seq, id: row.id, client_id: row.client_id, sender_id: row.sender_id, message: text, created_at: row.created_at })
      }
      JSON.stringify({ messages: out })
    }
    const pageMs = (Date.now() - started) / 20
    return {
      rows,
      insert_autocommit_us: Math.round(insertUs * 10) / 10,
      insert_in_one_transaction_us: Math.round(batchedInsertUs * 10) / 10,
      history_page_50_ms: pageMs,
      database_bytes: this.ctx.storage.sql.databaseSize,
    }
  }
}

function trySend(socket, out) {
  try {
    socket.send(out)
  } catch {}
}
