import { describe, expect, it } from 'vitest'
import { PARAM_PATH_PREFIXES, PATHS } from '../../protocol/http'
import { app } from '../app'
import { isApiPath } from './api-paths'

// Chat id 12, then any further parameter (an attachment id).
const withParams = (path: (...params: never[]) => string) => (path as (...params: unknown[]) => string)(12, 'abc')

describe('isApiPath', () => {
  const handlers = app.routes.filter((route) => route.method !== 'ALL')

  it('has handlers to check', () => {
    expect(handlers.length).toBeGreaterThan(15)
  })

  it.each(handlers.map((route) => [route.method, route.path]))('recognises %s %s', (_, path) => {
    expect(isApiPath(path.replace(/:[a-z]+/gi, '12'))).toBe(true)
  })

  it.each(Object.entries(PATHS).map(([name, path]) => [name, typeof path === 'string' ? path : withParams(path)]))('recognises PATHS.%s (%s)', (_, path) => {
    expect(isApiPath(path)).toBe(true)
  })

  it.each(['/users/nope/', '/chat/12/unknown/', '/login', '/me', '/ws/chat/12/extra'])('recognises the unknown API path %s', (path) => {
    expect(isApiPath(path)).toBe(true)
  })

  it.each(['/join/12/', '/join/abc/extra', '/join/'])('recognises the invite API path %s', (path) => {
    expect(isApiPath(path)).toBe(true)
  })

  it.each(['/', '/join/Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg', '/signin', '/signup', '/c/12', '/new', '/explore', '/settings/sessions', '/assets/index-abc123.js', '/favicon.svg', '/chats'])(
    'leaves the web client path %s to the page',
    (path) => {
      expect(isApiPath(path)).toBe(false)
    },
  )
})

describe('PARAM_PATH_PREFIXES', () => {
  it.each(Object.entries(PARAM_PATH_PREFIXES))('is what PATHS.%s puts before its parameter', (name, prefix) => {
    const path = PATHS[name as keyof typeof PARAM_PATH_PREFIXES]
    expect(withParams(path).startsWith(`${prefix}12`)).toBe(true)
  })
})
