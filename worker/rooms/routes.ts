import { createRouter } from '../http/router'

/** GET /ws/chat/<chat_id>/: the WebSocket upgrade (issue #3). */
export const roomRoutes = createRouter()
