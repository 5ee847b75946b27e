import fc from 'fast-check'
import type * as v from 'valibot'
import {
  CreateGroupRequestSchema,
  HistoryQuerySchema,
  LoginRequestSchema,
  MemberRequestSchema,
  PrivateChatRequestSchema,
  RegisterRequestSchema,
  SendRequestSchema,
  SetRoleRequestSchema,
  SocketQuerySchema,
  UpdateMeRequestSchema,
  UsersQuerySchema,
} from '../../../protocol/requests'
import type { TestUser } from '../helpers'
import type { FuzzValue } from './arbitraries'

// Every REST route and what it reads, keyed like Hono's `app.routes` ("POST /chat/:id/send/").
// rest.test.ts fails for a route of the app missing here, so a new route gets fuzzed or noticed.

type ObjectSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>

/** What a path parameter names: a chat (`ChatIdSchema`) or a session (`SessionIdSchema`). */
export type ParamKind = 'chat' | 'session'

export interface RouteInput {
  /** How the caller proves who they are: an access token (Bearer, or `?token=` on an upgrade), the refresh cookie, nothing. */
  auth: 'bearer' | 'query-token' | 'cookie' | 'none'
  /** Path parameters by name (`:id`), each as rest.test.ts checks against the path. */
  params?: Record<string, ParamKind>
  /** The body's schema (protocol/requests.ts); its fields are generated. */
  body?: ObjectSchema
  /** The query's schema; its fields are generated. */
  query?: ObjectSchema
  /** A WebSocket upgrade: sent with `Upgrade: websocket`; a 101 is closed at once. */
  upgrade?: boolean
  /** Runs of this route's property; routes that read nothing but headers need fewer. */
  runs: number
}

const INPUT_RUNS = 100
const NO_INPUT_RUNS = 25

export const ROUTES: Record<string, RouteInput> = {
  'GET /health': { auth: 'none', runs: NO_INPUT_RUNS },
  'POST /reg_user/': { auth: 'none', body: RegisterRequestSchema, runs: INPUT_RUNS },
  'POST /login/': { auth: 'none', body: LoginRequestSchema, runs: INPUT_RUNS },
  'POST /refresh/': { auth: 'cookie', runs: NO_INPUT_RUNS },
  'POST /logout/': { auth: 'cookie', runs: NO_INPUT_RUNS },
  'GET /sessions/': { auth: 'bearer', runs: NO_INPUT_RUNS },
  'DELETE /sessions/': { auth: 'bearer', runs: NO_INPUT_RUNS },
  'DELETE /sessions/:id/': { auth: 'bearer', params: { id: 'session' }, runs: INPUT_RUNS },
  'GET /users/': { auth: 'bearer', query: UsersQuerySchema, runs: INPUT_RUNS },
  'GET /me/': { auth: 'bearer', runs: NO_INPUT_RUNS },
  'PATCH /me/': { auth: 'bearer', body: UpdateMeRequestSchema, runs: INPUT_RUNS },
  'POST /chat/private/': { auth: 'bearer', body: PrivateChatRequestSchema, runs: INPUT_RUNS },
  'POST /chat/create/': { auth: 'bearer', body: CreateGroupRequestSchema, runs: INPUT_RUNS },
  'GET /chat/list/': { auth: 'bearer', runs: NO_INPUT_RUNS },
  'GET /chat/explore/': { auth: 'bearer', runs: NO_INPUT_RUNS },
  'POST /chat/:id/add/': { auth: 'bearer', params: { id: 'chat' }, body: MemberRequestSchema, runs: INPUT_RUNS },
  'POST /chat/:id/remove/': { auth: 'bearer', params: { id: 'chat' }, body: MemberRequestSchema, runs: INPUT_RUNS },
  'GET /chat/:id/members/': { auth: 'bearer', params: { id: 'chat' }, runs: INPUT_RUNS },
  'POST /chat/:id/role/': { auth: 'bearer', params: { id: 'chat' }, body: SetRoleRequestSchema, runs: INPUT_RUNS },
  'GET /chat/:id/history/': { auth: 'bearer', params: { id: 'chat' }, query: HistoryQuerySchema, runs: INPUT_RUNS },
  'POST /chat/:id/send/': { auth: 'bearer', params: { id: 'chat' }, body: SendRequestSchema, runs: INPUT_RUNS },
  'GET /ws/chat/:id/': { auth: 'query-token', params: { id: 'chat' }, query: SocketQuerySchema, upgrade: true, runs: INPUT_RUNS },
  'GET /ws/me/': { auth: 'query-token', upgrade: true, runs: NO_INPUT_RUNS },
}

/** The users, chat and session every generated request of one property can name. */
export interface World {
  user: TestUser
  /** A second member of `chatId`. */
  other: TestUser
  /** A group owned by `user`. */
  chatId: number
  /** One of `user`'s sessions, as GET /sessions/ lists it. */
  sessionId: string
}

/**
 * Valid values of every body and query field, by field name: a generated request mixes these with
 * wrong ones, so it reaches past validation into the route. A schema field missing here fails the
 * coverage test in rest.test.ts.
 */
export function validFields(world: World): Record<string, fc.Arbitrary<FuzzValue>> {
  const count = (max: number) => fc.oneof(fc.nat(max), fc.nat(max).map(String))
  return {
    Username: fc.stringMatching(/^[a-z][a-z0-9_]{2,20}$/),
    Email: fc.oneof(fc.constant(world.user.email), fc.stringMatching(/^[a-z0-9]{1,12}@example\.test$/)),
    Password: fc.oneof(fc.constant(world.user.password), fc.string({ minLength: 8, maxLength: 40 })),
    q: fc.string({ maxLength: 10 }),
    limit: count(60),
    offset: count(2_000_000),
    read_receipts: fc.constantFrom(true, false, 'true', '0'),
    user_id: fc.constantFrom(world.user.id, world.other.id, String(world.other.id)),
    is_group: fc.constantFrom(true, 'true', 1),
    name: fc.string({ minLength: 1, maxLength: 30 }),
    visibility: fc.constantFrom('public', 'private'),
    role: fc.constantFrom('admin', 'member'),
    before: count(10),
    message: fc.string({ minLength: 1, maxLength: 50 }),
    client_id: fc.stringMatching(/^[\x21-\x7e]{1,64}$/),
    since: count(10),
  }
}

/** The valid value of a path parameter. */
export function validParam(world: World, kind: ParamKind): string {
  return kind === 'chat' ? String(world.chatId) : world.sessionId
}
