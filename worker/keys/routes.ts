import { PATHS } from '../../protocol/http'
import { RewrapRequestSchema, type RewrapResponse } from '../../protocol/key-rotation'
import { readBody } from '../http/body'
import { requireAdmin } from '../http/require-admin'
import { createRouter } from '../http/router'
import { parseInput } from '../input'
import { rewrapStep } from './rewrap'

/** The operator's routes for the key hierarchy; off unless ADMIN_TOKEN is set. */
export const keyRoutes = createRouter()
keyRoutes.use('/admin/*', requireAdmin)

keyRoutes.post(PATHS.keysRewrap, async (c) => {
  const input = parseInput(RewrapRequestSchema, await readBody(c))
  return c.json<RewrapResponse>(await rewrapStep(c.var.db, c.env.CHAT_ROOM, c.var.config.keyring, input))
})
