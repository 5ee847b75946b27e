import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from './env'
import { bodyLimit } from 'hono/body-limit'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { timing } from 'hono/timing'
import { MAX_BODY_BYTES } from '../protocol/http'
import { identifierBackfill } from './auth/identifier-backfill'
import { attachmentRoutes, isUploadPath } from './attachments/routes'
import { authRoutes } from './auth/routes'
import { chatRoutes } from './chats/routes'
import { ConfigError, loadConfig } from './config'
import { getDb } from './db/client'
import { AppError, errorBody } from './errors'
import { healthRoutes } from './health/routes'
import { keyRoutes } from './keys/routes'
import { allowedMethods } from './http/allowed-methods'
import { isApiPath } from './http/api-paths'
import { corsForAllowedOrigins } from './http/cors'
import { handleError } from './http/errors'
import { logRequests, requestFields } from './http/log-requests'
import { createRouter } from './http/router'
import { log } from './log'
import { meterRoutes } from './metering/routes'
import { liveRoutes } from './live/routes'
import { roomRoutes } from './rooms/routes'


export const app = createRouter()

/**
 * `middleware`, except for a WebSocket upgrade (`Upgrade: websocket`, RFC 6455 §4.1), which gets
 * straight to its route: a socket upgrade reads no body and no D1 (the room admits it), a 101 carries
 * no document for CSP or Server-Timing to apply to, and WebSockets do not use CORS (the upgrade checks
 * Origin itself, `rooms/socket-upgrade.ts`). Each of these cost CPU on every connect (issue #16).
 */
function unlessUpgrade(middleware: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return (c, next) => (c.req.header('Upgrade')?.toLowerCase() === 'websocket' ? next() : middleware(c, next))
}

// Always our own id (a UUID), echoed in X-Request-Id: a client's id would be written to our logs as
// given, letting a caller forge or collide with other requests' lines. limitLength 0 makes Hono's
// middleware refuse every incoming one.
app.use(requestId({ limitLength: 0 }))
app.use(logRequests)
// Server-Timing: total time in the worker, read by the benchmark. In production workerd freezes the
// clock during pure CPU work (a Spectre mitigation), so there it only reflects time spent on I/O.
app.use(unlessUpgrade(timing({ totalDescription: 'worker' })))
app.use(
  unlessUpgrade(secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      // blob: for attachment images, fetched with the token and shown from memory (docs/web-client.md).
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    referrerPolicy: 'same-origin',
    // A route that sets one of these headers keeps its own: attachment downloads have a stricter CSP.
    overwrite: false,
  })),
)
// Every request, pages included, so a bad value is noticed at once rather than at the first login.
app.use(async function requireConfig(c, next) {
  try {
    c.set('config', await loadConfig(c.env))
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    log.error('config_invalid', { ...requestFields(c), variable: err.variable, reason: err.reason, help: 'docs/configuration.md' })
    return c.json(errorBody('server_misconfigured', 'The server is not configured correctly.'), 500)
  }
  await next()
})
app.use(unlessUpgrade(corsForAllowedOrigins))
app.use(
  unlessUpgrade(async function setDb(c, next) {
    c.set('db', getDb(c.var.config.libsql, c.env))
    await next()
  }),
)
app.use(unlessUpgrade(identifierBackfill()))
const jsonBodyLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new AppError('payload_too_large', `The request body must be at most ${MAX_BODY_BYTES} bytes.`)
  },
})
// An upload's body is the file: it streams, under the attachment limit (worker/attachments/upload.ts).
app.use(
  unlessUpgrade(function limitBody(c, next) {
    return isUploadPath(c.req.method, c.req.path) ? next() : jsonBodyLimit(c, next)
  }),
)

app.route('/', healthRoutes)
app.route('/', authRoutes)
app.route('/', chatRoutes)
app.route('/', roomRoutes)
app.route('/', liveRoutes)
app.route('/', keyRoutes)
app.route('/', attachmentRoutes)
app.route('/', meterRoutes)

app.notFound((c) => {
  const path = c.req.path
  if (!isApiPath(path) && (c.req.method === 'GET' || c.req.method === 'HEAD')) return serveAsset(c.env.ASSETS, c.req.raw)
  const allowed = allowedMethods(app.routes, path)
  if (allowed.length > 0) {
    return c.json(errorBody('method_not_allowed', `${path} does not answer ${c.req.method}.`), 405, { Allow: allowed.join(', ') })
  }
  return c.json(errorBody('not_found', `No route for ${c.req.method} ${path}.`), 404)
})
app.onError(handleError)

// Asset responses have immutable headers; copy them so the security headers can be added.
async function serveAsset(assets: Fetcher, request: Request): Promise<Response> {
  const res = await assets.fetch(request)
  return new Response(res.body, res)
}
