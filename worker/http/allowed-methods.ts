import type { RouterRoute } from 'hono/types'
import { METHOD_NAME_ALL } from 'hono/router'

// A Hono pattern ('/chat/:id/send/', '/sessions/*') as a whole-path regex; our patterns use no regex params.
function patternRegex(pattern: string): RegExp {
  const source = pattern
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return new RegExp(`^${source}$`)
}

/**
 * The methods some handler in `routes` (Hono's `app.routes`) answers for `path`, sorted, with HEAD
 * wherever GET is (Hono answers HEAD with the GET handler). Middleware (method ALL) does not count.
 * Empty when no handler has the path: a 404 rather than a 405 (RFC 9110 §15.5.6 requires `Allow`
 * on a 405, so the list is what the caller needs).
 */
export function allowedMethods(routes: readonly RouterRoute[], path: string): string[] {
  const methods = new Set<string>()
  for (const route of routes) {
    if (route.method === METHOD_NAME_ALL || !patternRegex(route.path).test(path)) continue
    methods.add(route.method)
    if (route.method === 'GET') methods.add('HEAD')
  }
  return [...methods].sort()
}
