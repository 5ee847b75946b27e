// WebSocket clients on the load side (the `ws` package; Node 20 has no stable global WebSocket).
// Frames are read with string searches instead of JSON.parse on the hot path: at saturation the
// client receives tens of thousands of frames per second and must not become the bottleneck.
import WebSocket from 'ws'
import { SUBPROTOCOL, SUBPROTOCOL_V2 } from './protocol.mjs'
import { withDeadline } from './stats.mjs'

/**
 * Opens a socket and resolves once the server's 'ready' frame arrives. It offers the app's
 * subprotocols as the web client does, `edge-chat.v2` first (the server picks v2; the baseline and
 * the live channel pick v1, so every target pays the same handshake). `protocols: []` offers none.
 * `onFrame(kind, clientId, text)` is then called for every frame, and once per message of a
 * `messages` frame (kind 'message', that message's client_id, the whole frame's text), so deliveries
 * and latencies stay per message: kind is 'message', 'ack', 'resumed', 'error' or 'other'.
 */
export function openSocket(url, { origin, protocols = [SUBPROTOCOL_V2, SUBPROTOCOL], timeoutMs = 10000, onFrame = () => {} } = {}) {
  const startedAt = performance.now()
  const ws = new WebSocket(url, protocols, { headers: origin ? { Origin: origin } : {}, skipUTF8Validation: true, perMessageDeflate: false })
  const socket = { ws, onFrame, readyAt: 0, readyFrame: null, closed: null }
  const ready = new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => reject(new Error(`upgrade refused: ${res.statusCode} ${body.slice(0, 200)}`)))
    })
    ws.on('error', (err) => reject(err))
    ws.on('close', (code, reason) => {
      socket.closed = { code, reason: String(reason) }
      reject(new Error(`closed before ready: ${code} ${reason}`))
    })
    ws.on('message', (data) => {
      const text = data.toString()
      if (!socket.readyFrame) {
        if (text.includes('"type":"ready"')) {
          socket.readyFrame = JSON.parse(text)
          socket.readyAt = performance.now()
          socket.setupMs = socket.readyAt - startedAt
          resolve(socket)
          return
        }
      }
      if (text.startsWith(MESSAGES_PREFIX)) {
        for (const clientId of clientIds(text)) socket.onFrame('message', clientId, text)
        return
      }
      const [kind, clientId] = classify(text)
      socket.onFrame(kind, clientId, text)
    })
  })
  return withDeadline(ready, timeoutMs, `socket ready ${url.replace(/token=[^&]+/, 'token=…')}`).catch((err) => {
    ws.terminate()
    throw err
  })
}

const KINDS = ['message', 'ack', 'resumed', 'error']
// The room writes a `messages` frame with exactly this prefix (worker/rooms/object/log/commit.ts),
// and JSON.stringify puts `type` first in a replay's (admission.ts).
const MESSAGES_PREFIX = '{"type":"messages",'
const CLIENT_ID_KEY = '"client_id":'

/**
 * The client_id of each message of a `messages` frame, in order (null for none). Each message body
 * has exactly one `"client_id":` key (a reply preview has none), and inside strings JSON escapes the
 * quotes, so the key's occurrences are the messages.
 */
function clientIds(text) {
  const ids = []
  for (let at = text.indexOf(CLIENT_ID_KEY); at >= 0; at = text.indexOf(CLIENT_ID_KEY, at + 1)) {
    const from = at + CLIENT_ID_KEY.length
    ids.push(text[from] === '"' ? text.slice(from + 1, text.indexOf('"', from + 1)) : null)
  }
  return ids
}

function classify(text) {
  let kind = 'other'
  for (const k of KINDS) {
    if (text.includes(`"type":"${k}"`)) {
      kind = k
      break
    }
  }
  let clientId = null
  const at = text.indexOf('"client_id":"')
  if (at >= 0) {
    const from = at + 13
    clientId = text.slice(from, text.indexOf('"', from))
  }
  return [kind, clientId]
}

/** Closes with 1000 and waits (bounded) for the close handshake. */
export function closeSocket(socket, timeoutMs = 2000) {
  const ws = socket.ws
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate()
      resolve()
    }, timeoutMs)
    ws.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    try {
      ws.close(1000)
    } catch {
      ws.terminate()
    }
  })
}

export async function closeAll(sockets, timeoutMs = 3000) {
  await Promise.all(sockets.map((s) => closeSocket(s, timeoutMs)))
}
