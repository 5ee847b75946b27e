import type { ServerFrame } from '../../../protocol/socket'

/** Sends one already-serialized frame to every open socket: one JSON.stringify per message, not per member. */
export function broadcast(ctx: DurableObjectState, payload: string, except?: WebSocket): void {
  broadcastTo(ctx.getWebSockets(), payload, except)
}

/** Like `broadcast` to sockets listed once per batch: `getWebSockets` builds every socket object per call. */
export function broadcastTo(sockets: WebSocket[], payload: string, except?: WebSocket): void {
  for (const ws of sockets) {
    if (ws === except) continue
    sendRaw(ws, payload)
  }
}

export function sendFrame(ws: WebSocket, frame: ServerFrame): void {
  sendRaw(ws, JSON.stringify(frame))
}

// A socket can be closing while we send; that peer is gone and the others must still get the frame.
function sendRaw(ws: WebSocket, payload: string): void {
  try {
    ws.send(payload)
  } catch {}
}

export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason)
  } catch {}
}
