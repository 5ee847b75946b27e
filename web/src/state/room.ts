import { signal } from '@preact/signals'
import type { ServerFrame } from '../../../protocol'
import { fetchHistory } from '../api/chats'
import { ApiError, describeError } from '../api/errors'
import { connectRoom, type ConnectionStatus, type RoomConnection } from '../api/socket'
import { loadChats, markChatRead, notePreview } from './chats'
import { checkDraft } from './draft'
import { applyAck, firstSeq, fromBody, lastSeq, mergeStored, pendingMessage, setStatus, type ViewMessage } from './messages'
import { user } from './session'

/** The open room: one at a time. */
export const roomChatId = signal<number | null>(null)
export const messages = signal<ViewMessage[]>([])
export const hasOlder = signal(false)
export const historyStatus = signal<'loading' | 'ready' | 'error'>('loading')
export const olderStatus = signal<'idle' | 'loading' | 'error'>('idle')
export const roomError = signal<string | null>(null)
export const connection = signal<ConnectionStatus>('connecting')
export const typingName = signal<string | null>(null)

export const REMOVED_NOTICE = "You're no longer a member of this group, so you can't read or send messages here any more."

/** No ack this long after sending: show the message as failed, with a retry button. */
const ACK_TIMEOUT_MS = 12_000
const TYPING_SHOWN_MS = 4_000
const TYPING_SEND_EVERY_MS = 3_000

let socket: RoomConnection | null = null
const ackTimers = new Map<string, ReturnType<typeof setTimeout>>()
let typingTimer: ReturnType<typeof setTimeout> | undefined
let lastTypingSentMs = 0
let lastReadSent = 0

export async function openRoom(chatId: number): Promise<void> {
  closeRoom()
  roomChatId.value = chatId
  historyStatus.value = 'loading'
  try {
    const page = await fetchHistory(chatId)
    if (roomChatId.value !== chatId) return
    messages.value = mergeStored([], page.messages.map(fromBody))
    hasOlder.value = page.has_more
    historyStatus.value = 'ready'
  } catch (err) {
    if (roomChatId.value !== chatId) return
    historyStatus.value = 'error'
    roomError.value = describeRoomError(err)
    return
  }
  markRead()
  // History first, then the socket with since = the last seq shown: the server replays anything
  // stored in between, so nothing falls into the gap.
  socket = connectRoom({
    chatId,
    getSinceSeq: () => lastSeq(messages.value),
    onFrame: handleFrame,
    onStatus: (status, code) => {
      connection.value = status
      if (status === 'open') flushPending()
      // 4003: removed from the group (or left it in another tab). Say so plainly and drop it from the list.
      if (status === 'closed' && code !== undefined) {
        roomError.value = REMOVED_NOTICE
        void loadChats()
      }
    },
  })
}

function describeRoomError(err: unknown): string {
  if (err instanceof ApiError && err.code === 'not_found') return "This chat doesn't exist."
  if (err instanceof ApiError && (err.code === 'forbidden' || err.code === 'not_member')) return "You're not a member of this chat."
  return describeError(err)
}

export function closeRoom(): void {
  socket?.stop()
  socket = null
  for (const timer of ackTimers.values()) clearTimeout(timer)
  ackTimers.clear()
  roomChatId.value = null
  messages.value = []
  hasOlder.value = false
  olderStatus.value = 'idle'
  roomError.value = null
  typingName.value = null
  connection.value = 'connecting'
  lastReadSent = 0
}

function handleFrame(frame: ServerFrame): void {
  switch (frame.type) {
    case 'message': {
      if (frame.chat_id !== roomChatId.value) return
      messages.value = mergeStored(messages.value, [fromBody(frame)])
      if (frame.client_id) clearAckTimer(frame.client_id)
      if (frame.sender === typingName.value) typingName.value = null
      notePreview(frame, isVisible())
      markRead()
      return
    }
    case 'ack':
      if (frame.client_id) clearAckTimer(frame.client_id)
      messages.value = applyAck(messages.value, frame)
      return
    case 'error':
      if (frame.client_id) {
        clearAckTimer(frame.client_id)
        messages.value = setStatus(messages.value, frame.client_id, 'failed')
      }
      return
    case 'typing':
      if (frame.user_id === user.value?.userid) return
      typingName.value = frame.username
      clearTimeout(typingTimer)
      typingTimer = setTimeout(() => (typingName.value = null), TYPING_SHOWN_MS)
      return
    default:
      return
  }
}

const isVisible = () => document.visibilityState === 'visible'

function markRead(): void {
  const chatId = roomChatId.value
  const seq = lastSeq(messages.value)
  if (chatId === null || !isVisible()) return
  markChatRead(chatId)
  if (seq > lastReadSent && socket?.send({ type: 'read', seq })) lastReadSent = seq
}
document.addEventListener('visibilitychange', markRead)

function clearAckTimer(clientId: string): void {
  clearTimeout(ackTimers.get(clientId))
  ackTimers.delete(clientId)
}

function transmit(clientId: string, text: string): void {
  if (!socket?.send({ type: 'send', client_id: clientId, text })) return
  clearAckTimer(clientId)
  ackTimers.set(
    clientId,
    setTimeout(() => {
      ackTimers.delete(clientId)
      messages.value = setStatus(messages.value, clientId, 'failed')
    }, ACK_TIMEOUT_MS),
  )
}

/** On (re)connect: resend what is still pending with the same client id; the room stores each once. */
function flushPending(): void {
  for (const m of messages.value) if (m.status === 'pending' && m.clientId && m.text !== null) transmit(m.clientId, m.text)
  markRead()
}

export function sendMessage(text: string): boolean {
  const me = user.value
  if (!me || roomChatId.value === null || !checkDraft(text).canSend) return false
  const clientId = crypto.randomUUID()
  messages.value = [...messages.value, pendingMessage(clientId, text, me, new Date().toISOString())]
  transmit(clientId, text)
  // The others stop showing "typing" when the message lands, so the next keystroke announces again.
  lastTypingSentMs = 0
  return true
}

export function retryMessage(clientId: string): void {
  const m = messages.value.find((x) => x.clientId === clientId && x.status === 'failed')
  if (!m || m.text === null) return
  messages.value = setStatus(messages.value, clientId, 'pending')
  transmit(clientId, m.text)
}

export function noteTyping(): void {
  const nowMs = Date.now()
  if (nowMs - lastTypingSentMs < TYPING_SEND_EVERY_MS) return
  if (socket?.send({ type: 'typing' })) lastTypingSentMs = nowMs
}

export async function loadOlder(): Promise<void> {
  const chatId = roomChatId.value
  const before = firstSeq(messages.value)
  if (chatId === null || before === null || !hasOlder.value || olderStatus.value === 'loading') return
  olderStatus.value = 'loading'
  try {
    const page = await fetchHistory(chatId, before)
    if (roomChatId.value !== chatId) return
    messages.value = mergeStored(messages.value, page.messages.map(fromBody))
    hasOlder.value = page.has_more
    olderStatus.value = 'idle'
  } catch {
    if (roomChatId.value === chatId) olderStatus.value = 'error'
  }
}
