import { batch, signal } from '@preact/signals'
import { CLOSE_CODES, isBlank, type AttachmentBody, type ClientFrame, type MessageBody, type ServerFrame } from '../../../protocol'
import { fetchHistory, listMembers } from '../api/chats'
import { ApiError, describeError } from '../api/errors'
import { connectRoom, type ConnectionStatus, type RoomConnection } from '../api/socket'
import { loadChats, markChatRead, notePreview } from './chats'
import { checkDraft } from './draft'
import { applyAck, applyUpdate, firstSeq, fromBody, lastEditable, lastSeq, mergeStored, pendingMessage, setStatus, toReplyPreview, type ViewMessage } from './messages'
import { noteRead, readsFrom, type Reads } from './receipts'
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
/** The other members' read positions (receipts), from the room's `ready` and `read` frames. */
export const reads = signal<Reads>(new Map())
/** The group's member names by id, for "Seen by" (loaded when a group receipt first shows). */
export const memberNames = signal<ReadonlyMap<number, string>>(new Map())

/** The message the composer answers (reply preview above it), or null. */
export const replyingTo = signal<ViewMessage | null>(null)
/** The own message the composer is editing, or null. */
export const editing = signal<ViewMessage | null>(null)
/** The last edit, delete or reaction the room refused, as a sentence; cleared by the next action. */
export const actionError = signal<string | null>(null)
/** The message a quoted reply jumped to, highlighted until the next jump. */
export const highlightSeq = signal<number | null>(null)

export const REMOVED_NOTICE = "You're no longer a member of this group, so you can't read or send messages here any more."
export const DELETED_NOTICE = 'This group was deleted, with all its messages.'

/** No ack this long after sending: show the message as failed, with a retry button. */
const ACK_TIMEOUT_MS = 12_000
const TYPING_SHOWN_MS = 4_000
const TYPING_SEND_EVERY_MS = 3_000

let socket: RoomConnection | null = null
const ackTimers = new Map<string, ReturnType<typeof setTimeout>>()
let typingTimer: ReturnType<typeof setTimeout> | undefined
let lastTypingSentMs = 0
let lastReadSent = 0
/** The highest log entry seq seen (messages and changes: a `message_updated` frame's own seq); resume asks for what follows. */
let cursorSeq = 0
/** Client ids of edit, delete and react frames in flight: an error frame echoing one is shown in actionError. */
const actionIds = new Set<string>()
/** Reader ids a member-list load was started for: one that is still unknown after it is not a member any more. */
let namesAskedFor = new Set<number>()

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
    getSinceSeq: () => Math.max(cursorSeq, lastSeq(messages.value)),
    onFrame: handleFrame,
    onStatus: (status, code) => {
      connection.value = status
      if (status === 'open') flushPending()
      // 4003: removed from the group (or left it in another tab); 4004: the group was deleted. Say so
      // plainly and drop it from the list.
      if (status === 'closed' && code !== undefined) {
        roomError.value = code === CLOSE_CODES.chatDeleted ? DELETED_NOTICE : REMOVED_NOTICE
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
  reads.value = new Map()
  memberNames.value = new Map()
  namesAskedFor = new Set()
  lastReadSent = 0
  cursorSeq = 0
  actionIds.clear()
  replyingTo.value = null
  editing.value = null
  actionError.value = null
  highlightSeq.value = null
}

/**
 * The live channel says the user left or was removed from `chatId`, or it was deleted: if it is
 * open here, it shows the same notice as the room's 4003 and stops (it may come first).
 */
export function showRemoved(chatId: number): void {
  if (roomChatId.value !== chatId || roomError.value) return
  socket?.stop()
  socket = null
  connection.value = 'closed'
  roomError.value = REMOVED_NOTICE
}

/** The chat open and visible in this tab, whose messages are read as they arrive; null otherwise. */
export function readingChatId(): number | null {
  return isVisible() ? roomChatId.value : null
}

/** Loads the open group's member names when a reader is not among them yet (first receipt, or joined since). */
export function requestMemberNames(readerIds: readonly number[]): void {
  const chatId = roomChatId.value
  const missing = readerIds.filter((id) => !memberNames.value.has(id) && !namesAskedFor.has(id))
  if (chatId === null || missing.length === 0) return
  for (const id of readerIds) namesAskedFor.add(id)
  listMembers(chatId)
    .then(({ members }) => {
      if (roomChatId.value === chatId) memberNames.value = new Map(members.map((m) => [m.userid, m.username]))
    })
    .catch(() => {
      if (roomChatId.value === chatId) for (const id of missing) namesAskedFor.delete(id)
    })
}

function handleFrame(frame: ServerFrame): void {
  switch (frame.type) {
    case 'message':
      return applyStored([frame])
    case 'messages':
      return applyStored(frame.messages)
    case 'message_updated':
      if (frame.message.chat_id !== roomChatId.value) return
      cursorSeq = Math.max(cursorSeq, frame.seq)
      messages.value = applyUpdate(messages.value, frame.message)
      if (editing.value?.seq === frame.message.seq && frame.message.deleted) editing.value = null
      if (replyingTo.value?.seq === frame.message.seq && frame.message.deleted) replyingTo.value = null
      return
    case 'ack':
      if (frame.client_id) clearAckTimer(frame.client_id)
      messages.value = applyAck(messages.value, frame)
      return
    case 'error':
      if (frame.client_id && actionIds.delete(frame.client_id)) {
        actionError.value = describeError(new ApiError(frame.code, frame.message))
      } else if (frame.client_id) {
        clearAckTimer(frame.client_id)
        messages.value = setStatus(messages.value, frame.client_id, 'failed')
      }
      return
    case 'ready':
      reads.value = readsFrom(frame.reads ?? [])
      return
    case 'read':
      if (frame.user_id !== user.value?.userid) reads.value = noteRead(reads.value, frame)
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

/**
 * Stored messages, from one `message` frame or one `messages` frame (`edge-chat.v2`: a commit's
 * messages in seq order): each is applied as a `message` frame always was, in one batch of signal
 * updates, so a frame of ten messages renders once.
 */
function applyStored(bodies: readonly MessageBody[]): void {
  const mine = bodies.filter((m) => m.chat_id === roomChatId.value)
  if (mine.length === 0) return
  batch(() => {
    messages.value = mergeStored(messages.value, mine.map(fromBody))
    for (const m of mine) {
      if (m.client_id) clearAckTimer(m.client_id)
      if (m.sender === typingName.value) typingName.value = null
      notePreview(m, isVisible())
    }
    markRead()
  })
}

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

function transmit(clientId: string, text: string, replyTo: number | null, attachments: readonly AttachmentBody[] = []): void {
  // With files, blank text is left out: the room stores the message with `message: ""`.
  const frame: ClientFrame =
    attachments.length > 0
      ? { type: 'send', client_id: clientId, reply_to: replyTo, attachments: attachments.map((a) => a.attachment_id), ...(isBlank(text) ? {} : { text }) }
      : { type: 'send', client_id: clientId, text, reply_to: replyTo }
  if (!socket?.send(frame)) return
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
  for (const m of messages.value) if (m.status === 'pending' && m.clientId && m.text !== null) transmit(m.clientId, m.text, m.replyTo?.seq ?? null, m.attachments)
  markRead()
}

/** Sends `text` with `attachments` (stored uploads, #13); the text may be blank when there are files. */
export function sendMessage(text: string, attachments: readonly AttachmentBody[] = []): boolean {
  const me = user.value
  const isSendable = checkDraft(text).canSend || (attachments.length > 0 && isBlank(text))
  if (!me || roomChatId.value === null || !isSendable) return false
  const clientId = crypto.randomUUID()
  const replyTo = replyingTo.value ? toReplyPreview(replyingTo.value) : null
  const shownText = attachments.length > 0 && isBlank(text) ? '' : text
  messages.value = [...messages.value, { ...pendingMessage(clientId, shownText, me, new Date().toISOString(), replyTo), attachments: [...attachments] }]
  transmit(clientId, shownText, replyTo?.seq ?? null, attachments)
  replyingTo.value = null
  // The others stop showing "typing" when the message lands, so the next keystroke announces again.
  lastTypingSentMs = 0
  return true
}

export function retryMessage(clientId: string): void {
  const m = messages.value.find((x) => x.clientId === clientId && x.status === 'failed')
  if (!m || m.text === null) return
  messages.value = setStatus(messages.value, clientId, 'pending')
  transmit(clientId, m.text, m.replyTo?.seq ?? null, m.attachments)
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

/** Answer `message`: the composer shows its preview and the next send carries `reply_to`. */
export function startReply(message: ViewMessage): void {
  if (message.seq === null || message.isDeleted || message.kind !== 'message') return
  editing.value = null
  replyingTo.value = message
}

/** Edit own `message` in the composer; with no argument, the newest editable one (Up arrow). False when there is none. */
export function startEdit(message?: ViewMessage): boolean {
  const me = user.value?.userid
  const target = message ?? (me === undefined ? null : lastEditable(messages.value, me))
  if (!target || target.seq === null || target.senderId !== me || target.isDeleted) return false
  replyingTo.value = null
  editing.value = target
  return true
}

/** Escape: stops editing or replying. */
export function cancelCompose(): void {
  editing.value = null
  replyingTo.value = null
}

/**
 * Sends an edit, delete or react frame with a fresh client id. The change shows when the room
 * broadcasts it (`message_updated`, to this socket too); a refusal comes back as an error frame
 * with that client id and is shown in actionError. False when the room is not connected.
 */
function sendAction(frame: Extract<ClientFrame, { type: 'edit' | 'delete' | 'react' }>): boolean {
  actionError.value = null
  const clientId = crypto.randomUUID()
  if (!socket?.send({ ...frame, client_id: clientId })) {
    actionError.value = "You're not connected right now. Try again in a moment."
    return false
  }
  actionIds.add(clientId)
  return true
}

/** Sends the composer's text as the new text of the message being edited. */
export function saveEdit(text: string): boolean {
  const target = editing.value
  if (!target || target.seq === null || !checkDraft(text).canSend) return false
  if (text === target.text) {
    editing.value = null
    return true
  }
  if (!sendAction({ type: 'edit', seq: target.seq, text })) return false
  editing.value = null
  return true
}

export function deleteMessage(seq: number): boolean {
  return sendAction({ type: 'delete', seq })
}

/** Adds the signed-in user's `emoji` to message `seq`, or takes it back when it is there. */
export function toggleReaction(seq: number, emoji: string): boolean {
  const me = user.value?.userid
  const message = messages.value.find((m) => m.seq === seq)
  const isOn = message?.reactions.some((r) => r.emoji === emoji && me !== undefined && r.user_ids.includes(me)) ?? false
  return sendAction({ type: 'react', seq, emoji, on: !isOn })
}

/**
 * Shows message `seq` (a quoted reply's original): loads older pages until it is there, then
 * highlights it; the list scrolls to and focuses the highlighted message. False when it is not in
 * the history any more.
 */
export async function jumpToMessage(seq: number): Promise<boolean> {
  const chatId = roomChatId.value
  while (roomChatId.value === chatId && !messages.value.some((m) => m.seq === seq)) {
    const oldest = firstSeq(messages.value)
    if (!hasOlder.value || oldest === null || oldest < seq) break
    await loadOlder()
    if (olderStatus.value === 'error') break
  }
  const isShown = messages.value.some((m) => m.seq === seq)
  highlightSeq.value = null
  if (isShown) highlightSeq.value = seq
  else actionError.value = "That message isn't available any more."
  return isShown
}
