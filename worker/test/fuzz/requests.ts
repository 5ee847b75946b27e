import fc from 'fast-check'
import { MAX_BODY_BYTES } from '../../../protocol/http'
import { ORIGIN } from '../helpers'
import { anyString, anyValue, objectOf, toFormText, toJsonText, type FuzzValue } from './arbitraries'
import { validFields, validParam, type RouteInput, type World } from './routes'

// One generated HTTP request for a route of routes.ts: path parameters, query, body in one of many
// encodings (most of them wrong), credentials valid or not.

/** How the body travels. All but `json` and `form` are wrong in some way. */
const ENCODINGS = [
  'json',
  'form',
  'json-as-text',
  'no-content-type',
  'multipart',
  'truncated-json',
  'bom-json',
  'invalid-utf8',
  'json-not-object',
  'empty',
  'too-large',
  'vendor+json',
] as const
export type Encoding = (typeof ENCODINGS)[number]

const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { arbitrary: fc.constant('json' as const), weight: 8 },
  { arbitrary: fc.constant('form' as const), weight: 4 },
  { arbitrary: fc.constantFrom(...ENCODINGS), weight: 4 },
)

/** Percent-escapes that are malformed or decode to bytes that are not UTF-8. */
const BAD_ESCAPES = ['%', '%Z1', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF', '%00', '%F4%90%80%80']

/** Percent-encodes the UTF-8 of `text` (a lone surrogate becomes U+FFFD, as any client's encoder does). */
function percentEncode(text: string): string {
  return [...new TextEncoder().encode(text)].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('')
}

/** `a=1&b=2` from an object; `repeat` sends its first field twice; `tail` is appended raw. */
function urlencoded(fields: Record<string, FuzzValue>, repeat: boolean, tail: string): string {
  const pairs = Object.entries(fields).map(([name, value]) => `${percentEncode(name)}=${percentEncode(toFormText(value))}`)
  if (repeat && pairs.length > 0) pairs.push(pairs[0]!)
  return [...pairs, ...(tail ? [tail] : [])].join('&')
}

export interface GeneratedRequest {
  /** A fresh Request each call: fast-check may replay an input while shrinking, and a body reads once. */
  request(): Request
  /** For the report of a failing run: what was sent, short. */
  describe: string
}

interface Parts {
  params: Record<string, FuzzValue | null>
  query: Record<string, FuzzValue>
  queryRepeat: boolean
  queryTail: string
  body: Record<string, FuzzValue>
  nonObject: FuzzValue
  encoding: Encoding
  cut: number
  credential: 'valid' | 'missing' | 'garbage' | 'other-user'
  garbage: string
}

/** Requests for `route` (`METHOD /path/:param/`) against `world`. */
export function requestsFor(key: string, route: RouteInput, world: World): fc.Arbitrary<GeneratedRequest> {
  const [method, pattern] = key.split(' ') as [string, string]
  const valid = validFields(world)
  const fieldsOf = (schema: RouteInput['body']) => Object.fromEntries(Object.keys(schema?.entries ?? {}).map((name) => [name, valid[name]!]))
  const param = fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: anyValue, weight: 2 })
  const parts: fc.Arbitrary<Parts> = fc.record({
    params: fc.record(Object.fromEntries(Object.keys(route.params ?? {}).map((name) => [name, param]))),
    query: objectOf(fieldsOf(route.query)),
    queryRepeat: fc.boolean(),
    queryTail: fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, { arbitrary: fc.constantFrom(...BAD_ESCAPES).map((e) => `since=${e}`), weight: 1 }),
    body: objectOf(fieldsOf(route.body)),
    nonObject: anyValue,
    encoding,
    cut: fc.nat(),
    credential: fc.oneof(
      { arbitrary: fc.constant('valid' as const), weight: 8 },
      { arbitrary: fc.constantFrom('missing' as const, 'garbage' as const, 'other-user' as const), weight: 2 },
    ),
    garbage: anyString,
  })
  return parts.map((p) => build(method, pattern, route, world, p))
}

function build(method: string, pattern: string, route: RouteInput, world: World, p: Parts): GeneratedRequest {
  const path = pattern.replace(/:(\w+)/g, (_, name: string) => {
    const value = p.params[name]
    return value === null || value === undefined ? validParam(world, route.params![name]!) : percentEncode(toFormText(value))
  })
  const query = { ...p.query }
  const headers = new Headers()
  const token = p.credential === 'other-user' ? world.other.accessToken : p.credential === 'garbage' ? p.garbage : world.user.accessToken
  if (route.auth === 'query-token' && p.credential !== 'missing') query.token = token
  if (route.auth === 'bearer' && p.credential !== 'missing') {
    // A garbage Authorization header must be one a client can send: header values are Latin-1.
    headers.set('Authorization', p.credential === 'garbage' ? `Bearer ${percentEncode(p.garbage)}` : `Bearer ${token}`)
  }
  if (route.auth === 'cookie' && p.credential !== 'missing') {
    headers.set('Cookie', `refresh_token=${p.credential === 'valid' ? world.user.cookie.split('=')[1] : percentEncode(p.garbage)}`)
  }
  if (route.upgrade) headers.set('Upgrade', 'websocket')
  const search = urlencoded(query, p.queryRepeat, p.queryTail)
  const url = new URL(`${path}${search ? `?${search}` : ''}`, ORIGIN)
  const init: RequestInit = { method, headers }
  if (method !== 'GET' && method !== 'HEAD') init.body = encodeBody(p, headers)
  return { request: () => new Request(url, init), describe: `${method} ${url.pathname}${url.search} ${p.encoding} ${p.credential}` }
}

function encodeBody(p: Parts, headers: Headers): BodyInit {
  const json = toJsonText(p.body)
  const setType = (type: string) => headers.set('Content-Type', type)
  switch (p.encoding) {
    case 'json':
      setType('application/json')
      return json
    case 'form':
      setType('application/x-www-form-urlencoded')
      return urlencoded(p.body, p.queryRepeat, p.queryTail)
    case 'json-as-text':
      setType('text/plain')
      return json
    case 'no-content-type':
      return new TextEncoder().encode(json)
    case 'multipart':
      setType('multipart/form-data; boundary=x')
      return `--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n${json}\r\n--x--\r\n`
    case 'truncated-json':
      setType('application/json')
      return json.slice(0, p.cut % Math.max(1, json.length))
    case 'bom-json':
      setType('application/json; charset=utf-8')
      return `\uFEFF${json}`
    case 'invalid-utf8': {
      setType('application/json')
      const bytes = new TextEncoder().encode(json)
      const at = p.cut % (bytes.length + 1)
      return new Uint8Array([...bytes.slice(0, at), 0xc3, 0x28, 0xff, ...bytes.slice(at)])
    }
    case 'json-not-object':
      setType('application/json')
      return toJsonText(p.nonObject)
    case 'empty':
      setType('application/json')
      return ''
    case 'too-large':
      setType('application/json')
      return `{"message":"${'a'.repeat(MAX_BODY_BYTES)}"}`
    case 'vendor+json':
      setType('application/vnd.edge-chat+json; charset=latin1')
      return json
  }
}
