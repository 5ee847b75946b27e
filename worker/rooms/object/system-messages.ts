import { DELETED_USER_NAME, type MessageBody, type SystemEvent } from '../../../protocol/http'
import type { MessageFrame } from '../../../protocol/socket'
import { seal } from '../../crypto/aead'
import { broadcastTo, listSockets } from './fan-out'
import { messageContext, openMessage, sealMessage, toBody } from './log/seal'
import { insertMessage, listSystemMessages, replaceSealing } from './log/store'
import type { Room } from './room'
import { feedShards } from './shards'

/**
 * Appends a system message (`kind: "system"`) for `event` at the next seq and broadcasts it to
 * `edge-chat.v1` sockets (the seed's clients would show it as an empty message). The event is sealed
 * like a text, as JSON: names in it (a group's new name) are chat content. The actor is stored as
 * the sender. It counts for nobody's unread and is no chat-list preview.
 */
export function recordSystem(room: Room, event: SystemEvent): Promise<MessageBody> {
  return room.exclusive(async () => {
    const seq = room.lastSeq + 1
    const json = JSON.stringify(event)
    const stored = await sealMessage(room, seq, { userId: event.actor_id, username: event.actor }, json, null, Date.now())
    stored.kind = 'system'
    insertMessage(room.ctx.storage.sql, stored)
    room.lastSeq = seq
    const sockets = listSockets(room.ctx)
    await room.ctx.storage.sync()
    const message = toBody(room.chatId, stored, json)
    const frame: MessageFrame = { type: 'message', ...message }
    const payload = JSON.stringify(frame)
    broadcastTo(sockets.current, payload)
    feedShards(room.ctx, [{ seq, frame: payload }])
    return message
  })
}

/**
 * The account of `userId` was deleted: each system message naming them (`actor` where `actor_id` is
 * theirs, `username` where `user_id` is) is sealed again with `name` in that place, at the same seq
 * and edit context with a new IV, so the old name is gone from storage, not only from reads (as
 * `anonymizeSender` does for the sender column; docs/security.md, "Deleting an account"). Run it
 * inside the exclusive section. A row that does not open stays as it is (`openMessage` logs it).
 * Idempotent. Returns how many rows were rewritten.
 */
export async function renameInSystemMessages(room: Room, userId: number, name: string): Promise<number> {
  let renamed = 0
  for (const row of listSystemMessages(room.db)) {
    const json = await openMessage(room, row)
    if (json === null) continue
    const event = JSON.parse(json) as SystemEvent
    const next = withName(event, userId, name)
    if (next === event) continue
    const sealed = await seal(room.keyring, JSON.stringify(next), messageContext(room.chatId, row.seq, row.editCount))
    if (replaceSealing(room.ctx.storage.sql, { ...row, ...sealed }, row.iv!)) renamed++
  }
  return renamed
}

/**
 * `event` with `userId`'s name replaced by `name`; the same object when it does not name them. The
 * DELETED_USER_NAME label comes with its flag (`actor_deleted`, `user_deleted`), so clients show it
 * as a label and never as a name.
 */
function withName(event: SystemEvent, userId: number, name: string): SystemEvent {
  const label = name === DELETED_USER_NAME
  let next = event
  if (next.actor_id === userId && next.actor !== name) next = { ...next, actor: name, ...(label ? { actor_deleted: true as const } : {}) }
  if ('user_id' in next && next.user_id === userId && next.username !== name) next = { ...next, username: name, ...(label ? { user_deleted: true as const } : {}) }
  return next
}
