import { createRouter } from '../http/router'
import { admitToRoom } from './upgrade'

/** GET /ws/chat/<chat_id>/?token=<access_token>[&since=<seq>]: the WebSocket upgrade. */
export const roomRoutes = createRouter()

roomRoutes.get('/ws/chat/:id/', async (c) => 
  admitToRoom(c.env, c.var.config, c.req.raw, c.req.param('id'), (user) => c.set('user', user)),
)
