// A target is a server the room workloads run against: the app (authenticated users, real chats)
// or the bare broadcast baseline. Both hand out rooms that can open N member sockets.
import { AppApi } from './app-api.mjs'
import { openSocket } from './socket.mjs'
import { pool } from './stats.mjs'

const UPGRADE_CONCURRENCY = 16

export function baselineTarget(server, mode = 'bare', name = mode === 'bare' ? 'baseline' : `baseline-${mode}`) {
  let rooms = 0
  const ws = server.url.replace(/^http/, 'ws')
  return {
    name,
    server,
    async createRoom() {
      const name = `${mode}-${process.pid}-${++rooms}`
      return {
        // `since` asks for a replay of the messages after it and a 'resumed' frame, as the app does.
        url: (_i, since) => `${ws}/ws/${name}?mode=${mode}${since === undefined ? '' : `&since=${since}`}`,
        openSockets: (count, options) => openMany(count, () => `${ws}/ws/${name}?mode=${mode}`, options),
      }
    },
  }
}

/** users: [{ token }] already registered and logged in; sockets are spread over them round-robin. */
export function appTarget(server, users) {
  const api = new AppApi(server.url)
  let rooms = 0
  return {
    name: 'app',
    server,
    api,
    users,
    async createRoom(memberCount = users.length) {
      const owner = users[0]
      const chatId = await api.createGroup(owner.token, `bench room ${++rooms}`)
      const members = users.slice(0, Math.min(memberCount, users.length))
      await pool(members.length - 1, 8, (i) => api.join(members[i + 1].token, chatId))
      return {
        chatId,
        url: (i, since) => api.socketUrl(chatId, members[i % members.length].token, since),
        openSockets: (count, options) => openMany(count, (i) => api.socketUrl(chatId, members[i % members.length].token), { origin: server.url, ...options }),
      }
    },
  }
}

async function openMany(count, urlOf, { origin, concurrency = UPGRADE_CONCURRENCY, timeoutMs = 15000 } = {}) {
  return pool(count, concurrency, (i) => openSocket(urlOf(i), { origin, timeoutMs }))
}
