import type { MessageBody, SystemEvent } from '../../../protocol/http'
import type { MessageFrame } from '../../../protocol/socket'
import { broadcastTo, listSockets } from './fan-out'
import { sealMessage, toBody } from './log/seal'
import { insertMessage } from './log/store'
import type { Room } from './room'

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
    broadcastTo(sockets.current, JSON.stringify(frame))
    return message
  })
}
