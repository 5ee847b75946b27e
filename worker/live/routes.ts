import { PATHS } from '../../protocol/http'
import { createRouter } from '../http/router'
import { admitToChannel } from './upgrade'

/** GET /ws/me/?token=<access_token>: the live channel of one tab (protocol/channel.ts). */
export const liveRoutes = createRouter()

liveRoutes.get(PATHS.meSocket, async (c) => admitToChannel(c.env, c.var.config, c.req.raw))
