import { loadConfig } from '../../config'
import { onAuth } from '../object/admission'
import { broadcastTo, sendFrame } from '../object/fan-out'
import { runFrame, sendError } from '../object/frames'
import type { ParsedFrame } from '../object/parse-frame'
import type { ShardForwardedFrame } from '../object/shard-calls'
import type { SocketEntry } from '../object/sockets'
import { identity, roomOf, type Shard } from './shard'
import { catchUpTo, resumeOnShard } from './stream'

// A client frame on a shard socket: the room's checks (`runFrame`: expiry, size, flood, parse), then
// `ping`, `auth` and `resume` answered here and the rest forwarded to the room, one call per frame.

export async function handleShardFrame(shard: Shard, ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
  const { chatId } = identity(shard)
  return runFrame(shard.ctx, chatId, ws, data, (socket, frame) => dispatchOnShard(shard, ws, socket, frame))
}

async function dispatchOnShard(shard: Shard, ws: WebSocket, socket: SocketEntry, frame: ParsedFrame): Promise<void> {
  switch (frame.type) {
    case 'ping':
      return sendFrame(ws, { type: 'pong' })
    case 'auth': {
      const { jwtKey } = await loadConfig(shard.env)
      return onAuth({ ctx: shard.ctx, jwtKey }, ws, socket, frame)
    }
    case 'resume': {
      const reached = await resumeOnShard(shard, ws, socket.batched, frame.since)
      return sendFrame(ws, { type: 'resumed', last_seq: reached })
    }
    default:
      return forward(shard, ws, socket, frame)
  }
}

async function forward(shard: Shard, ws: WebSocket, socket: SocketEntry, frame: ShardForwardedFrame): Promise<void> {
  const reply = await roomOf(shard).shardFrame(identity(shard).index, socket.member, frame)
  switch (reply.type) {
    case 'done':
      return
    case 'ack':
      // The room answered after handing the batch to this shard; if that delivery failed, the log fills it.
      await catchUpTo(shard, reply.ack.seq)
      return sendFrame(ws, reply.ack)
    case 'relay':
      return broadcastTo(shard.ctx.getWebSockets(), reply.payload, ws)
    case 'error':
      return sendError(ws, socket, reply.code, reply.message, reply.clientId, reply.field)
  }
}
