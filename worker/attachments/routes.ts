import { PATHS } from '../../protocol/http'
import { AttachmentIdSchema, AttachmentQuerySchema, ChatIdSchema } from '../../protocol/requests'
import { requireMember } from '../chats/membership'
import { readQuery } from '../http/body'
import { requireUser } from '../http/require-user'
import { createRouter } from '../http/router'
import { parseInput } from '../input'
import { toAttachmentBody } from './body'
import { downloadAttachment } from './download'
import { uploadAttachment } from './upload'

/** POST /chat/<id>/attachments/?name= (the raw file) and GET /chat/<id>/attachments/<attachment_id>/. */
export const attachmentRoutes = createRouter()
attachmentRoutes.use('/chat/:id/attachments/*', requireUser)

/** The path of an upload: the app's JSON body limit does not apply to it (app.ts). */
export function isUploadPath(method: string, path: string): boolean {
  return method === 'POST' && /^\/chat\/[^/]+\/attachments\/$/.test(path)
}

attachmentRoutes.post('/chat/:id/attachments/', async (c) => {
  const chatId = parseInput(ChatIdSchema, c.req.param('id'), { root: 'chat_id' })
  const { name } = parseInput(AttachmentQuerySchema, readQuery(c), { what: 'The query' })
  await requireMember(c.var.db, chatId, c.var.user.id)
  const length = c.req.header('Content-Length')
  const declaredBytes = length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : null
  const upload = { chatId, uploaderId: c.var.user.id, name, declaredBytes, body: c.req.raw.body }
  const stored = await uploadAttachment(c.env, c.var.db, c.var.config, upload)
  return c.json(toAttachmentBody(stored.record, stored.name), 201, { Location: PATHS.chatAttachment(chatId, stored.record.id) })
})

attachmentRoutes.get('/chat/:id/attachments/:attachmentId/', async (c) => {
  const chatId = parseInput(ChatIdSchema, c.req.param('id'), { root: 'chat_id' })
  const attachmentId = parseInput(AttachmentIdSchema, c.req.param('attachmentId'), { root: 'attachment_id' })
  await requireMember(c.var.db, chatId, c.var.user.id)
  return downloadAttachment(c.env, c.var.db, c.var.config, chatId, attachmentId, c.var.user.id)
})
