import {
  HISTORY_PAGE_MAX,
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
import { readBody } from '../http/body'
import { createRouter } from '../http/router'
import { requireUser } from '../http/require-user'
import { parseCount, parseId, requireId } from '../http/validate'
import { parseClientId, parseMessageText } from '../rooms/parse-frame'
import { addMember, createGroup, exploreGroups, joinGroup, openPrivateChat, readGroupInput, removeMember, type MemberChange } from './chats'
import { listChats } from './list'
import { requireMember } from './membership'
import { listMembers, readRoleChange, setMemberRole } from './members'

/** /chat/* REST routes: the seed's paths and fields, mapped here. */
export const chatRoutes = createRouter()
chatRoutes.use('/chat/*', requireUser)

function toAddBody(change: MemberChange): AddMemberResponse {
  const msg = change.changed ? 'Added to the group.' : 'Already a member'
  return { msg, chat_id: change.chatId, user_id: change.userId, role: change.role, added: change.changed }
}

chatRoutes.post(PATHS.chatPrivate, async (c) => {
  const otherId = requireId(await readBody(c), 'user_id')
  const chat = await openPrivateChat(c.var.db, c.var.user, otherId)
  const body: PrivateChatResponse = { chat_id: chat.chatId, is_group: false, name: chat.peerName, created: chat.created }
  return c.json(body, chat.created ? 201 : 200)
})

chatRoutes.post(PATHS.chatCreate, async (c) => {
  const chat = await createGroup(c.var.db, c.var.user, readGroupInput(await readBody(c)))
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
  const chatId = parseId(c.req.param('id'), 'chat_id')
  const body = await readBody(c)
  const change =
    body.user_id === undefined
      ? await joinGroup(c.var.db, c.env.CHAT_ROOM, chatId, c.var.user)
      : await addMember(c.var.db, c.env.CHAT_ROOM, chatId, c.var.user, requireId(body, 'user_id'))
  return c.json(toAddBody(change), change.changed ? 201 : 200)
})

chatRoutes.post('/chat/:id/remove/', async (c) => {
  const chatId = parseId(c.req.param('id'), 'chat_id')
  const body = await readBody(c)
  const change = await removeMember(c.var.db, c.env.CHAT_ROOM, chatId, c.var.user, body.user_id === undefined ? null : requireId(body, 'user_id'))
  return c.json<RemoveMemberResponse>({ msg: 'Removed from the group.', chat_id: chatId, user_id: change.userId, removed: true })
})

chatRoutes.get('/chat/:id/members/', async (c) => {
  const chatId = parseId(c.req.param('id'), 'chat_id')
  return c.json<MembersResponse>({ members: await listMembers(c.var.db, chatId, c.var.user) })
})

chatRoutes.post('/chat/:id/role/', async (c) => {
  const chatId = parseId(c.req.param('id'), 'chat_id')
  const change = await setMemberRole(c.var.db, chatId, c.var.user, readRoleChange(await readBody(c)))
  const msg = change.changed ? `Role changed to ${change.role}.` : `Already ${change.role}.`
  return c.json<SetRoleResponse>({ msg, chat_id: chatId, user_id: change.userId, role: change.role, changed: change.changed })
})

chatRoutes.get('/chat/:id/history/', async (c) => {
  const chatId = parseId(c.req.param('id'), 'chat_id')
  const before = c.req.query('before') === undefined ? null : parseId(c.req.query('before'), 'before')
  const limit = Math.max(1, parseCount(c.req.query('limit'), 'limit', HISTORY_PAGE_MAX, HISTORY_PAGE_MAX))
  await requireMember(c.var.db, chatId, c.var.user.id)
  return c.json<HistoryResponse>(await c.env.CHAT_ROOM.getByName(String(chatId)).history(before, limit))
})

chatRoutes.post('/chat/:id/send/', async (c) => {
  const chatId = parseId(c.req.param('id'), 'chat_id')
  const body = await readBody(c)
  const text = parseMessageText(body.message, 'message')
  const clientId = parseClientId(body.client_id)
  await requireMember(c.var.db, chatId, c.var.user.id)
  const result = await c.env.CHAT_ROOM.getByName(String(chatId)).send({ userId: c.var.user.id, username: c.var.user.username }, text, clientId)
  return c.json<SendResponse>(result, result.duplicate ? 200 : 201)
})
