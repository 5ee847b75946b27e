import { PATHS } from '../../protocol/http'
import { errorBody } from '../errors'
import { requestFields } from '../http/log-requests'
import { createRouter } from '../http/router'
import { isDatabaseUp, versionOf, type HealthyBody } from './health'

export const healthRoutes = createRouter()

// For load balancers and uptime checks: no auth, no cookies, and 503 so a monitor needs no JSON parser.
healthRoutes.get(PATHS.health, async (c) => {
  const version = versionOf(c.env.CF_VERSION_METADATA)
  if (await isDatabaseUp(c.var.db, requestFields(c))) return c.json({ ok: true, version, database: 'ok' } satisfies HealthyBody)
  return c.json({ ...errorBody('unavailable', 'The database is not answering.'), ok: false, version, database: 'down' }, 503)
})
