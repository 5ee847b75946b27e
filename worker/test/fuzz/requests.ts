import { env } from 'cloudflare:workers'
import fc from 'fast-check'
import { MAX_BODY_BYTES } from '../../../protocol/http'
import { CHUNK_BYTES } from '../../attachments/chunks'
import { IMAGE_FILES, ZIP_FILE } from '../../attachments/sniff.fixtures'
import { DEFAULT_MAX_ATTACHMENT_BYTES } from '../../config'
import { randomFile } from '../attachments'
import { ORIGIN } from '../helpers'
import { anyString, anyValue, objectOf, toFormText, toJsonText, type FuzzValue } from './arbitraries'
import { fieldNames, validFields, validParam, type RouteInput, type World } from './routes'

// One generated HTTP request for a route of routes.ts: path parameters, query, body in one of many
// encodings (most of them wrong), or a file's bytes for an upload, credentials valid or not.

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

const bytesOf = (text: string) => new TextEncoder().encode(text)
const base64 = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))

/** Starts of files: real images and a ZIP (sniff.fixtures.ts), and the types the sniffer refuses or judges by content. */
const FILE_HEADS: Uint8Array[] = [
  ...Object.values(IMAGE_FILES).map(base64),
  base64(ZIP_FILE),
  bytesOf('%PDF-1.7\n'),
  bytesOf('MZ\x90\x00'),
  bytesOf('\x7fELF\x02\x01\x01'),
  bytesOf('#!/bin/sh\n'),
  bytesOf('<svg xmlns="http://www.w3.org/2000/svg">'),
  bytesOf('<!doctype html><script>'),
  bytesOf('plain text, é and \u{1F600}\n'),
  new Uint8Array([0xef, 0xbb, 0xbf]),
  new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
]

/** How an upload's Content-Length relates to the bytes that follow. */
const LENGTHS = ['exact', 'exact', 'exact', 'shorter', 'longer', 'zero', 'none', 'over-limit', 'huge', 'not-a-number'] as const
type DeclaredLength = (typeof LENGTHS)[number]

/** An upload's body: bytes, and what Content-Length claims about them. */
interface RawBody {
  bytes: Uint8Array
  length: DeclaredLength
  /** How far a wrong length is off, in bytes (at least 1). */
  off: number
  /** Content-Length text for `not-a-number`. */
  garbage: string
}

/**
 * A file body: a real file or a file's first bytes followed by random ones, random bytes alone,
 * nothing, or more than one encryption chunk (CHUNK_BYTES); with a Content-Length that is right,
 * short, long, zero, missing, over MAX_ATTACHMENT_BYTES, past 2^53 or not a number.
 */
const rawBodies: fc.Arbitrary<RawBody> = fc.record({
  bytes: fc.oneof(
    { arbitrary: fc.constantFrom(...FILE_HEADS), weight: 3 },
    { arbitrary: fc.tuple(fc.constantFrom(...FILE_HEADS), fc.uint8Array({ maxLength: 300 })).map(([head, tail]) => concat(head, tail)), weight: 3 },
    { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 300 }), weight: 2 },
    { arbitrary: fc.constant(new Uint8Array(0)), weight: 1 },
    { arbitrary: fc.constantFrom(...FILE_HEADS).map((head) => concat(head, randomFile(CHUNK_BYTES + 10))), weight: 1 },
  ),
  length: fc.constantFrom(...LENGTHS),
  off: fc.integer({ min: 1, max: 100 }),
  garbage: fc.constantFrom('-1', '1e3', ' 12', '0x10', '12abc', '99999999999999999999', ''),
})

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}

/** The Content-Length header of `raw`, or null for none. */
function declaredLength(raw: RawBody): string | null {
  const n = raw.bytes.byteLength
  switch (raw.length) {
    case 'exact':
      return String(n)
    case 'shorter':
      return String(Math.max(0, n - raw.off))
    case 'longer':
      return String(n + raw.off)
    case 'zero':
      return '0'
    case 'none':
      return null
    case 'over-limit':
      return String(DEFAULT_MAX_ATTACHMENT_BYTES + raw.off)
    case 'huge':
      return String(2 ** 53 + raw.off)
    case 'not-a-number':
      return raw.garbage
  }
}

/** The bytes as a stream, so Content-Length stays exactly as set (a byte body would get its own). */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  const pieces: Uint8Array[] = []
  for (let i = 0; i < bytes.byteLength; i += 16384) pieces.push(bytes.slice(i, i + 16384))
  return new ReadableStream({
    pull(controller) {
      const next = pieces.shift()
      if (next) controller.enqueue(next)
      else controller.close()
    },
  })
}

export interface GeneratedRequest {
  /** A fresh Request each call: fast-check may replay an input while shrinking, and a body reads once. */
  request(): Request
  /** For the report of a failing run: what was sent, short. */
  describe: string
}

/** One generated input, before it is made into a request against a world. */
export interface Parts {
  params: Record<string, FuzzValue | null>
  query: Record<string, FuzzValue>
  queryRepeat: boolean
  queryTail: string
  body: Record<string, FuzzValue>
  nonObject: FuzzValue
  encoding: Encoding
  raw: RawBody
  cut: number
  credential: 'valid' | 'missing' | 'garbage' | 'other-user'
  garbage: string
}

/** The inputs of `route`, their valid values taken from `world`. */
export function partsFor(route: RouteInput, world: World): fc.Arbitrary<Parts> {
  const valid = validFields(world)
  const fieldsOf = (schema: RouteInput['body']) => Object.fromEntries(fieldNames(schema).map((name) => [name, valid[name]!]))
  // An upload's path and query are checked before its body is read: mostly right, so the bytes get judged.
  const rightFirst = route.raw ? 4 : 1
  const param = fc.oneof({ arbitrary: fc.constant(null), weight: 3 * rightFirst }, { arbitrary: anyValue, weight: 2 })
  const parts: fc.Arbitrary<Parts> = fc.record({
    params: fc.record(Object.fromEntries(Object.keys(route.params ?? {}).map((name) => [name, param]))),
    query: route.raw ? fc.oneof({ arbitrary: fc.record({ name: fc.constantFrom<FuzzValue>('photo.png', 'notes.txt', 'a b.pdf') }), weight: 3 }, { arbitrary: objectOf(fieldsOf(route.query)), weight: 1 }) : objectOf(fieldsOf(route.query)),
    queryRepeat: fc.oneof({ arbitrary: fc.constant(false), weight: rightFirst }, { arbitrary: fc.constant(true), weight: 1 }),
    queryTail: fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, { arbitrary: fc.constantFrom(...BAD_ESCAPES).map((e) => `since=${e}`), weight: 1 }),
    body: objectOf(fieldsOf(route.body)),
    nonObject: anyValue,
    encoding,
    raw: rawBodies,
    cut: fc.nat(),
    credential: fc.oneof(
      { arbitrary: fc.constant('valid' as const), weight: 8 },
      { arbitrary: fc.constantFrom('missing' as const, 'garbage' as const, 'other-user' as const), weight: 2 },
    ),
    garbage: anyString,
  })
  return parts
}

/** The request of input `p` for `route` (`METHOD /path/:param/`) against `world`. */
export function buildRequest(key: string, route: RouteInput, world: World, p: Parts): GeneratedRequest {
  const [method, pattern] = key.split(' ') as [string, string]
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
  if (route.auth === 'admin' && p.credential !== 'missing') {
    // `other-user`: a member's valid access token is not the admin token.
    const adminToken = p.credential === 'valid' ? env.ADMIN_TOKEN! : p.credential === 'other-user' ? world.user.accessToken : percentEncode(p.garbage)
    headers.set('Authorization', `Bearer ${adminToken}`)
  }
  if (route.auth === 'cookie' && p.credential !== 'missing') {
    headers.set('Cookie', `refresh_token=${p.credential === 'valid' ? world.user.cookie.split('=')[1] : percentEncode(p.garbage)}`)
  }
  if (route.upgrade) headers.set('Upgrade', 'websocket')
  const search = urlencoded(query, p.queryRepeat, p.queryTail)
  const url = new URL(`${path}${search ? `?${search}` : ''}`, ORIGIN)
  if (route.raw) {
    const length = declaredLength(p.raw)
    headers.set('Content-Type', 'application/octet-stream')
    if (length !== null) headers.set('Content-Length', length)
    const describe = `${method} ${url.pathname}${url.search} ${p.raw.bytes.byteLength} bytes (${[...p.raw.bytes.slice(0, 8)].join(',')}...) Content-Length ${length} ${p.credential}`
    return { request: () => new Request(url, { method, headers, body: streamOf(p.raw.bytes) }), describe }
  }
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
