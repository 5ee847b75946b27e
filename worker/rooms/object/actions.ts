import type { MessageUpdatedFrame } from '../../../protocol/socket'
import { MAX_REACTIONS_PER_MESSAGE } from '../../../protocol/http'
import { canDeleteOthersMessages } from '../../../protocol/roles'
import type { ParsedDeleteFrame, ParsedEditFrame, ParsedReactFrame } from '../../../protocol/frames'
import { requireMember } from '../../chats/membership'
import { dbForEnv } from '../../db/for-env'
import { AppError } from '../../errors'
import type { Member } from '../member'
import { deleteMessageFiles } from './attachments'
import { broadcastTo, listSockets } from './fan-out'
import { loadBodies } from './log/bodies'
import { addReaction, emojiOn, eraseMessage, hasReaction, insertChange, removeReaction, replaceText } from './log/changes'
import type { ChangeKind, StoredMessage } from './log/schema'
import { openMessage, sealEdit } from './log/seal'
import { findMessage } from './log/store'
import { messagesStored } from './notify'
import type { Room } from './room'
import { feedShards } from './shards'

// Edit, delete and react: change entries of the log. Each runs in the room's exclusive section, so
// it takes the next seq from the same counter as the group commit, never while a batch is between
// taking its seqs and broadcasting them, and is broadcast in seq order with everything else.

/**
 * Replaces the text of one's own message; the new ciphertext is bound to the next edit count. The
 * text it already has stores nothing and sends nothing (like a repeated reaction), so no "edited"
 * mark appears for an edit that changed nothing; compared as sent, code point for code point.
 */
export function onEdit(room: Room, member: Member, frame: ParsedEditFrame): Promise<void> {
  return room.exclusive(async () => {
    const target = requireLiveMessage(room, member, frame.seq)
    if (target.kind !== 'message') throw new AppError('forbidden', 'A system message cannot be edited.')
    if (target.senderId !== member.userId) throw new AppError('forbidden', 'You can only edit your own messages.')
    if ((await openMessage(room, target)) === frame.text) return
    const editCount = target.editCount + 1
    const sealed = await sealEdit(room, target.seq, editCount, frame.text)
    await storeChange(room, member, target.seq, 'edit', (nowMs) => replaceText(room.db, target.seq, sealed, editCount, nowMs))
  })
}

/**
 * Deletes a message, erasing its ciphertext: one's own always; another member's only for the owner or
 * an admin of a group. That role is read from D1 (one query, only for another's message) before the
 * exclusive section, so no network wait holds the room up: the member header's role dates from the
 * upgrade and would still let a demoted admin delete.
 */
export async function onDelete(room: Room, member: Member, frame: ParsedDeleteFrame): Promise<void> {
  const found = findMessage(room.db, frame.seq)
  const isOthers = found !== null && found.kind === 'message' && found.deletedAtMs === null && found.senderId !== member.userId
  const mayDeleteOthers = isOthers && (await canModerate(room, member.userId))
  const messageId = await room.exclusive(async () => {
    const target = requireLiveMessage(room, member, frame.seq)
    if (target.kind !== 'message') throw new AppError('forbidden', 'A system message cannot be deleted.')
    if (target.senderId !== member.userId && !mayDeleteOthers) {
      throw new AppError('forbidden', 'Only the owner or an admin of a group can delete others\' messages.')
    }
    await storeChange(room, member, target.seq, 'delete', (nowMs) => eraseMessage(room.db, target.seq, nowMs))
    return target.id
  })
  // Its files go too (#13), once the delete is durable and outside the exclusive section (R2 and D1
  // calls). A failure is logged; the files then stay unreachable (no message lists them) until the
  // group is deleted.
  await deleteMessageFiles(room, messageId)
}

/**
 * Adds or takes back the member's reaction. Nothing is stored or broadcast when it is already so;
 * a new emoji on a message that has MAX_REACTIONS_PER_MESSAGE distinct ones is `too_many_reactions`.
 */
export function onReact(room: Room, member: Member, frame: ParsedReactFrame): Promise<void> {
  return room.exclusive(async () => {
    const target = requireLiveMessage(room, member, frame.seq)
    if (target.kind !== 'message') throw new AppError('forbidden', 'A system message cannot get reactions.')
    if (hasReaction(room.db, target.seq, frame.emoji, member.userId) === frame.on) return
    if (frame.on) {
      const { distinct, present } = emojiOn(room.db, target.seq, frame.emoji)
      if (!present && distinct >= MAX_REACTIONS_PER_MESSAGE) {
        throw new AppError('too_many_reactions', `A message can carry at most ${MAX_REACTIONS_PER_MESSAGE} different reactions.`)
      }
    }
    await storeChange(room, member, target.seq, 'react', (_nowMs, seq) =>
      frame.on ? addReaction(room.db, target.seq, frame.emoji, member.userId, seq) : removeReaction(room.db, target.seq, frame.emoji, member.userId),
    )
  })
}

/** The target message, not deleted; `not_member` for a member removed while the frame waited. Call inside the exclusive section. */
function requireLiveMessage(room: Room, member: Member, seq: number): StoredMessage {
  if (room.removed.has(member.userId)) throw new AppError('not_member', 'You are no longer a member of this chat.')
  const target = findMessage(room.db, seq)
  if (!target || target.deletedAtMs !== null) throw new AppError('not_found', 'No such message.')
  return target
}

async function canModerate(room: Room, userId: number): Promise<boolean> {
  const membership = await requireMember(await dbForEnv(room.env), room.chatId, userId)
  return canDeleteOthersMessages(membership.role, membership.chat.isGroup)
}

/**
 * Stores one change entry at the next seq with `apply` in one transaction, then broadcasts the
 * target's current state once the write is durable. Inside the exclusive section: `lastSeq` moves
 * and the sockets are listed in one synchronous step, as in the group commit (admission.ts relies on it).
 */
async function storeChange(room: Room, member: Member, targetSeq: number, kind: ChangeKind, apply: (nowMs: number, seq: number) => void): Promise<void> {
  const seq = room.lastSeq + 1
  const nowMs = Date.now()
  room.ctx.storage.transactionSync(() => {
    apply(nowMs, seq)
    insertChange(room.db, seq, targetSeq, kind, member.userId, nowMs)
  })
  room.lastSeq = seq
  const sockets = listSockets(room.ctx)
  const [[message]] = await Promise.all([loadBodies(room, [findMessage(room.db, targetSeq)!]), room.ctx.storage.sync()])
  const frame: MessageUpdatedFrame = { type: 'message_updated', seq, message: message! }
  // The seed's clients know no changes: they get none.
  const payload = JSON.stringify(frame)
  broadcastTo(sockets.current, payload)
  feedShards(room.ctx, [{ seq, frame: payload }])
  if (kind !== 'react') messagesStored(room)
}
