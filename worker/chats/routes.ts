import {
  PATHS,
  type AddMemberResponse,
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
  HistoryQuerySchema,
  MemberRequestSchema,
  PrivateChatRequestSchema,
  SendRequestSchema,
  SetRoleRequestSchema,
} from '../../protocol/requests'
import { AppError } from '../errors'
import { readBody, readQuery } from '../http/body'
import { createRouter } from '../http/router'
import { requireUser } from '../http/require-user'
import { parseInput } from '../input'
import { addMember, createGroup, exploreGroups, joinGroup, openPrivateChat, removeMember, type MemberChange } from './chats'
import { pushChatRemoved, pushChatRows } from '../live/notify'
import { listChats } from './list'
import { requireMember } from './membership'
import { listMembers, setMemberRole } from './members'

/** /chat/* REST routes: the seed's paths and fields, mapped here. */
export const chatRoutes = createRouter()
chatRoutes.use('/chat/*', requireUser)

/** The chat id in the path; named `chat_id` in errors, as in every body. */
function parseChatId(raw: string): number {
  return parseInput(ChatIdSchema, raw, { root: 'chat_id' })
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
  if (change.changed) c.executionCtx.waitUntil(pushChatRows(c.env, c.var.db, chatId, [change.userId]))
  return c.json(toAddBody(change), change.changed ? 201 : 200)
})

chatRoutes.post('/chat/:id/remove/', async (c) => {
  const chatId = parseChatId(c.req.param('id'))
  const { user_id } = parseInput(MemberRequestSchema, await readBody(c))
  const change = await removeMember(c.var.db, c.env.CHAT_ROOM, chatId, c.var.user, user_id ?? null)
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
  if (change.changed) c.executionCtx.waitUntil(pushChatRows(c.env, c.var.db, chatId, [change.userId]))
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
