import { CLIENT_PAGE_PATTERNS, PARAM_PATH_PREFIXES, PATHS } from '../../protocol/http'

/** Every API path, from PATHS: the fixed ones and the prefixes of the parameterised ones. */
export const API_PREFIXES: readonly string[] = [
  ...new Set([...Object.values(PATHS).filter((path) => typeof path === 'string'), ...Object.values(PARAM_PATH_PREFIXES)]),
]

/**
 * True for a path the API owns (`/chat/12/send/`, `/login`, `/users/nope/`): an unknown one gets a
 * JSON 404, never the web client's index.html, which would hide the mistake behind a 200 page.
 */
export function isApiPath(path: string): boolean {
  // `/join/<code>` is the invite page; `/join/<code>/` (and anything longer) the API.
  if (CLIENT_PAGE_PATTERNS.some((pattern) => pattern.test(path))) return false
  return API_PREFIXES.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix))
}
