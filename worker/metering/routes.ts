import { PATHS } from '../../protocol/http'
import { AppError } from '../errors'
import { createRouter } from '../http/router'
import { isMetering, readUsage } from './meter'

export const meterRoutes = createRouter()

// The bench's usage counters (`meter.ts`). Not a route at all unless BENCH_METER is "1": the same
// 404 as any unknown API path, so production (which never sets it) exposes nothing.
meterRoutes.get(PATHS.benchMeter, (c) => {
  if (!isMetering(c.env)) throw new AppError('not_found', 'No such route.')
  return c.json(readUsage())
})
