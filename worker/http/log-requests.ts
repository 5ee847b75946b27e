import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { matchedRoutes } from 'hono/route'
import { METHOD_NAME_ALL } from 'hono/router'
import type { AppEnv, AuthUser } from '../env'
import { log, type LogFields } from '../log'

/**
 * The pattern of the handler the request matched (`/chat/:id/send/`), or null when none did (a page
 * or asset, or a 404). Middleware is registered for every method, handlers for one, so the last
 * match that is not `ALL` is the handler, even when a guard answered before it ran.
 */
export function routeOf(c: Context): string | null {
  const routes = matchedRoutes(c)
  for (let i = routes.length - 1; i >= 0; i--) {
    if (routes[i]!.method !== METHOD_NAME_ALL) return routes[i]!.path
  }
  return null
}

/** The fields that tie a log line to its request: request id and route pattern. */
export function requestFields(c: Context<AppEnv>): LogFields {
  return { request_id: c.var.requestId, route: routeOf(c) }
}

/**
 * One `request` line per request, written after the response is ready: what operators read. The
 * user id appears whenever the request resolved a user: a verified token (`c.var.user`, from
 * requireUser or the socket upgrade) or the account a sign-in, sign-up or refresh acted for
 * (`c.var.accountId`). `duration_ms` is wall time in the worker;
 * in production workerd stops the clock during pure CPU work, so there it counts waiting on I/O.
 */
export const logRequests = createMiddleware<AppEnv>(async function logRequests(c, next) {
  const startMs = Date.now()
  await next()
  const user: AuthUser | undefined = c.var.user
  const status = c.res.status
  const fields = { ...requestFields(c), method: c.req.method, status, duration_ms: Date.now() - startMs, user_id: user?.id ?? c.var.accountId }
  if (status >= 500) log.error('request', fields)
  else log.info('request', fields)
})
