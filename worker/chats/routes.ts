import {
  joinPagePath,
  PATHS,
  type AddMemberResponse,
  type ChatResponse,
  type CreatedInviteBody,
  type DeleteChatResponse,
  type InvitesResponse,
  type RevokeInviteResponse,
  type ChatListResponse,
  type CreateGroupResponse,
  type ExploreResponse,
  type HistoryResponse,
  type MembersResponse,
  type PrivateChatResponse,
  type RemoveMemberResponse,
  type SendResponse,
  type SetRoleResponse,
} from '../../protocol/http'
import {
  ChatIdSchema,
  CreateGroupRequestSchema,
  CreateInviteRequestSchema,
  InviteCodeSchema,
  InviteIdSchema,
  TransferRequestSchema,
  UpdateChatRequestSchema,
  HistoryQuerySchema,
  MemberRequestSchema,
  PrivateChatRequestSchema,
  SendRequestSchema,
  SetRoleRequestSchema,
} from '../../protocol/requests'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { readBody, readQuery } from '../http/body'
import { createRouter } from '../http/router'
import { requireUser } from '../http/require-user'
import { parseInput } from '../input'
import { addMember, createGroup, exploreGroups, joinGroup, openPrivateChat, removeMember, type MemberChange } from './chats'
import { pushChatRemoved, pushChatRows } from '../live/notify'
import { deleteGroup } from './delete'
import { createInvite, joinByInvite, limitJoins, listInvites, revokeInvite, toInviteBody } from './invites'
import { listChats, requireListItem } from './list'
import { requireMember } from './membership'
import { listMembers, setMemberRole } from './members'
import { settingsEvents, transferGroup, updateGroup } from './settings'
import { actorOf, recordEvent, subjectOf } from './system-events'

/** /chat/* and /join/* REST routes: the seed's paths and fields, mapped here. */
export const chatRoutes = createRouter()
chatRoutes.use('/chat/*', requireUser)
// Only the API's `/join/<code>/`: `GET /join/<code>` (no slash) is the web client's invite page,
// which a signed-out visitor must reach to be sent to sign in.
chatRoutes.use('/join/:code/', requireUser)

/** The chat id in the path; named `chat_id` in errors, as in every body. */
function parseChatId(raw: string): number {
  return parseInput(ChatIdSchema, raw, { root: 'chat_id' })
}

/** The invite id in the path of DELETE /chat/<id>/invites/<invite_id>/. */
function parseInviteId(raw: string): string {
  return parseInput(InviteIdSchema, raw, { root: 'invite_id' })
}

/** Where the web client lives: the caller's Origin when ALLOWED_ORIGINS lists it, else this worker's. */
function clientOrigin(c: Context<AppEnv>): string {
  const origin = c.req.header('Origin')
  return origin !== undefined && c.var.config.allowedOrigins.includes(origin) ? origin : new URL(c.req.url).origin
}

function toAddBody(change: MemberChange): AddMemberResponse {
  const msg = change.changed ? 'Added to the group.' : 'Already a member'
  return { msg, chat_id: change.chatId, user_id: change.userId, role: change.role, added: change.changed }
}

chatRoutes.post(PATHS.chatPrivate, async (c) => {
  const { user_id } = parseInput(PrivateChatRequestSchema, await readBody(c))
  const chat = await openPrivateChat(c.var.db, c.var.user, user_id)
  if (chat.created) c.executionCtx.waitUntil(pushChatRows(c.env, c.var.db, chat.chatId, [c.var.user.id, user_id]))
  const body: PrivateChatResponse = { chat_id: chat.chatId, is_group: false, name: chat.peerName, created: chat.created }
  return c.json(body, chat.created ? 201 : 200)
})

chatRoutes.post(PATHS.chatCreate, async (c) => {
  const { name, visibility } = parseInput(CreateGroupRequestSchema, await readBody(c))
  const chat = await createGroup(c.var.db, c.var.user, { name, visibility })
  await recordEvent(c.env.CHAT_ROOM, chat.id, { type: 'created', ...actorOf(c.var.user) })
  c.executionCtx.waitUntil(pushChatRows(c.env, c.var.db, chat.id, [c.var.user.id]))
  return c.json<CreateGroupResponse>({ chat_id: chat.id, is_group: true, name: chat.name ?? '', visibility: chat.visibility ?? 'public' }, 201)
})

chatRoutes.get(PATHS.chatList, async (c) => {
  return c.json<ChatListResponse>({ chats: await listChats(c.var.db, c.env.CHAT_ROOM, c.var.user.id) })
})

chatRoutes.get(PATHS.chatExplore, async (c) => {
  const groups = await exploreGroups(c.var.db, c.var.user.id)
  return c.json<ExploreResponse>({ groups: groups.map((g) => ({ chat_id: g.chatId, name: g.name ?? '', member_count: g.memberCount })) })
})

chatRoutes.post('/chat/:id/add/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const { user_id } = parseInput(MemberRequestSchema, await readBody(c))
  const change =
    user_id === undefined
      ? await joinGroup(c.var.db, c.env.CHAT_ROOM, chatId, c.var.user)
      : await addMember(c.var.db, c.env.CHAT_ROOM, chatId, c.var.user, user_id)
  if (change.changed) {
    const actor = actorOf(c.var.user)
    const event = user_id === undefined ? { type: 'joined' as const, ...actor } : { type: 'added' as const, ...actor, ...(await subjectOf(c.var.db, user_id)) }
    await recordEvent(c.env.CHAT_ROOM, chatId, event)
    c.executionCtx.waitUntil(pushChatRows(c.env, c.var.db, chatId, [change.userId]))
  }
  return c.json(toAddBody(change), change.changed ? 201 : 200)
})

chatRoutes.post('/chat/:id/remove/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const { user_id } = parseInput(MemberRequestSchema, await readBody(c))
  const change = await removeMember(c.var.db, c.env.CHAT_ROOM, chatId, c.var.user, user_id ?? null)
  const actor = actorOf(c.var.user)
  const left = change.userId === c.var.user.id
  await recordEvent(c.env.CHAT_ROOM, chatId, left ? { type: 'left', ...actor } : { type: 'removed', ...actor, ...(await subjectOf(c.var.db, change.userId)) })
  c.executionCtx.waitUntil(pushChatRemoved(c.env, chatId, change.userId))
  return c.json<RemoveMemberResponse>({ msg: 'Removed from the group.', chat_id: chatId, user_id: change.userId, removed: true })
})

chatRoutes.get('/chat/:id/members/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  return c.json<MembersResponse>({ members: await listMembers(c.var.db, chatId, c.var.user) })
})

chatRoutes.post('/chat/:id/role/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const { user_id, role } = parseInput(SetRoleRequestSchema, await readBody(c))
  const change = await setMemberRole(c.var.db, chatId, c.var.user, { userId: user_id, role })
  if (change.changed) {
    await recordEvent(c.env.CHAT_ROOM, chatId, { type: 'role_changed', role, ...actorOf(c.var.user), ...(await subjectOf(c.var.db, user_id)) })
    c.executionCtx.waitUntil(pushChatRows(c.env, c.var.db, chatId, [change.userId]))
  }
  const msg = change.changed ? `Role changed to ${change.role}.` : `Already ${change.role}.`
  return c.json<SetRoleResponse>({ msg, chat_id: chatId, user_id: change.userId, role: change.role, changed: change.changed })
})

chatRoutes.get('/chat/:id/history/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const { before, limit } = parseInput(HistoryQuerySchema, readQuery(c))
  await requireMember(c.var.db, chatId, c.var.user.id)
  return c.json<HistoryResponse>(await c.env.CHAT_ROOM.getByName(String(chatId)).history(before ?? null, limit))
})

chatRoutes.post('/chat/:id/send/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const { message, client_id, reply_to } = parseInput(SendRequestSchema, await readBody(c))
  await requireMember(c.var.db, chatId, c.var.user.id)
  const sender = { userId: c.var.user.id, username: c.var.user.username }
  const result = await c.env.CHAT_ROOM.getByName(String(chatId)).send(sender, message, client_id, reply_to ?? null)
  if ('refused' in result) throw new AppError(result.refused.code, result.refused.message, result.refused.field)
  return c.json<SendResponse>(result, result.duplicate ? 200 : 201)
})

// Group administration (#12): settings, hand-over, deletion, invite links. System messages follow
// the D1 change (system-events.ts).

chatRoutes.patch('/chat/:id/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const settings = parseInput(UpdateChatRequestSchema, await readBody(c))
  const change = await updateGroup(c.var.db, chatId, c.var.user, settings)
  for (const event of settingsEvents(change, c.var.user)) await recordEvent(c.env.CHAT_ROOM, chatId, event)
  if (change.renamed !== null || change.visibility !== null) c.executionCtx.waitUntil(pushChatRows(c.env, c.var.db, chatId, null))
  return c.json<ChatResponse>(await requireListItem(c.var.db, c.env.CHAT_ROOM, chatId, c.var.user.id))
})

chatRoutes.post('/chat/:id/transfer/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const { user_id } = parseInput(TransferRequestSchema, await readBody(c))
  await transferGroup(c.var.db, chatId, c.var.user, user_id)
  await recordEvent(c.env.CHAT_ROOM, chatId, { type: 'ownership_transferred', ...actorOf(c.var.user), ...(await subjectOf(c.var.db, user_id)) })
  c.executionCtx.waitUntil(pushChatRows(c.env, c.var.db, chatId, [c.var.user.id, user_id]))
  return c.json<ChatResponse>(await requireListItem(c.var.db, c.env.CHAT_ROOM, chatId, c.var.user.id))
})

chatRoutes.delete('/chat/:id/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const members = await deleteGroup(c.env, c.var.db, chatId, c.var.user)
  c.executionCtx.waitUntil(Promise.all(members.map((userId) => pushChatRemoved(c.env, chatId, userId))))
  return c.json<DeleteChatResponse>({ chat_id: chatId, deleted: true })
})

chatRoutes.post('/chat/:id/invites/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const { expires_in, max_uses } = parseInput(CreateInviteRequestSchema, await readBody(c))
  const { record, code } = await createInvite(c.var.db, chatId, c.var.user, { expiresInSeconds: expires_in, maxUses: max_uses })
  const url = new URL(joinPagePath(code), clientOrigin(c)).href
  return c.json<CreatedInviteBody>({ ...toInviteBody(record), code, url }, 201)
})

chatRoutes.get('/chat/:id/invites/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const invites = await listInvites(c.var.db, chatId, c.var.user)
  return c.json<InvitesResponse>({ invites: invites.map(toInviteBody) })
})

chatRoutes.delete('/chat/:id/invites/:invite/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const inviteId = parseInviteId(c.req.param('invite'))
  await revokeInvite(c.var.db, chatId, c.var.user, inviteId)
  return c.json<RevokeInviteResponse>({ id: inviteId, revoked: true })
})

chatRoutes.post('/join/:code/', async (c) => {
  await limitJoins(c.env.JOIN_LIMITER, c.var.user.id, c.req.header('CF-Connecting-IP'))
  const code = parseInput(InviteCodeSchema, c.req.param('code'), { root: 'code' })
  const change = await joinByInvite(c.var.db, c.env.CHAT_ROOM, code, c.var.user)
  if (change.changed) {
    await recordEvent(c.env.CHAT_ROOM, change.chatId, { type: 'joined', ...actorOf(c.var.user) })
    c.executionCtx.waitUntil(pushChatRows(c.env, c.var.db, change.chatId, [c.var.user.id]))
  }
  return c.json<ChatResponse>(await requireListItem(c.var.db, c.env.CHAT_ROOM, change.chatId, c.var.user.id), change.changed ? 201 : 200)
})
