// The wire contract lives in protocol/*.ts, which Node 20 cannot import (no type stripping). Read the
// few constants the load generator must respect straight from the source so they never drift.
import { readFileSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..', '..')

function constant(file, name) {
  const source = readFileSync(path.join(root, 'protocol', file), 'utf8')
  const match = new RegExp(`export const ${name} = ([0-9_ *]+)`).exec(source)
  if (!match) throw new Error(`bench: ${name} not found in protocol/${file}`)
  return Function(`return (${match[1].replaceAll('_', '')})`)()
}

export const FLOOD = {
  framesPerSecond: constant('socket.ts', 'FRAMES_PER_SECOND'),
  burst: constant('socket.ts', 'FRAME_BURST'),
}
export const HISTORY_PAGE_MAX = constant('http.ts', 'HISTORY_PAGE_MAX')

function stringConstant(file, name) {
  const source = readFileSync(path.join(root, 'protocol', file), 'utf8')
  const match = new RegExp(`export const ${name} = '([^']+)'`).exec(source)
  if (!match) throw new Error(`bench: ${name} not found in protocol/${file}`)
  return match[1]
}

/** The socket subprotocol the app's clients ask for (Sec-WebSocket-Protocol). */
export const SUBPROTOCOL = stringConstant('socket.ts', 'SUBPROTOCOL')
/** The same plus `messages` frames (a commit's messages in one frame); offered first, as the web client does. */
export const SUBPROTOCOL_V2 = stringConstant('socket.ts', 'SUBPROTOCOL_V2')

/** Paths from protocol/http.ts PATHS (checked against the source at start-up). */
export const PATHS = {
  register: '/reg_user/',
  login: '/login/',
  chatCreate: '/chat/create/',
  chatAdd: (chatId) => `/chat/${chatId}/add/`,
  chatHistory: (chatId) => `/chat/${chatId}/history/`,
  chatSocket: (chatId) => `/ws/chat/${chatId}/`,
  chatAttachments: (chatId) => `/chat/${chatId}/attachments/`,
  chatAttachment: (chatId, attachmentId) => `/chat/${chatId}/attachments/${encodeURIComponent(attachmentId)}/`,
}

export function checkPaths() {
  const source = readFileSync(path.join(root, 'protocol', 'http.ts'), 'utf8')
  for (const expected of ["register: '/reg_user/'", "login: '/login/'", "chatCreate: '/chat/create/'", '`/chat/${chatId}/add/`', '`/chat/${chatId}/history/`', '`/ws/chat/${chatId}/`', '`/chat/${chatId}/attachments/`', '`/chat/${chatId}/attachments/${encodeURIComponent(attachmentId)}/`']) {
    if (!source.includes(expected)) throw new Error(`bench: protocol/http.ts no longer has ${expected}; update bench/lib/protocol.mjs`)
  }
}
