import { and, eq, isNull } from 'drizzle-orm'
import { changedRows, type Db } from '../db/client'
import { chatMembers, chats, invites } from '../db/schema'
import type { AuthUser, Env } from '../env'
import { AppError } from '../errors'
import { deleteChatAttachments, destroyChatKey, resealBeforeShredding } from './deletion-hooks'
import { requireGroupAdmin } from './settings'

/**
 * The owner deletes a group, in this order:
 * 0. the room re-seals any message still sealed directly under a master key with the data key
 *    (`resealBeforeShredding`; usually none are left: the room does it by itself after it wakes);
 *    the history reads the same, so a failure here changes nothing a member sees;
 * 1. the chat's data key is destroyed (`destroyChatKey`), so its ciphertext is unreadable from here on;
 * 2. in one D1 batch (one transaction) the chat row becomes a tombstone (`deleted_at_ms` set, name
 *    cleared) and its memberships and invites are deleted: from here every route, socket upgrade and
 *    invite answers 404, and the chat is gone from every list;
 * 3. the room closes its sockets with 4004 and erases its storage (`destroy`);
 * 4. its attachments are deleted.
 * Returns the former members, for their lists' `chat_removed` frames. Steps 0, 1, 3 and 4 are
 * idempotent. A failure before step 2 leaves the group in place for the owner to retry; after it, a
 * DELETE of the tombstone (by anyone: there is nothing left to protect) runs steps 3 and 4 again
 * and answers 404, as does every later DELETE.
 */
export async function deleteGroup(env: Env, db: Db, chatId: number, actor: AuthUser, nowMs = Date.now()): Promise<number[]> {
  await finishIfDeleted(env, db, chatId)
  await requireGroupAdmin(db, chatId, actor, true)
  const members = await db.select({ userId: chatMembers.userId }).from(chatMembers).where(eq(chatMembers.chatId, chatId)).all()
  await resealBeforeShredding(env, chatId)
  await destroyChatKey(db, chatId)
  const [marked] = await db.batch([
    db
      .update(chats)
      .set({ deletedAtMs: nowMs, name: null })
      .where(and(eq(chats.id, chatId), isNull(chats.deletedAtMs))),
    db.delete(invites).where(eq(invites.chatId, chatId)),
    db.delete(chatMembers).where(eq(chatMembers.chatId, chatId)),
  ])
  await eraseRoomAndFiles(env, chatId)
  // Of concurrent DELETEs only the one whose batch marked the chat deleted answers 200 (and sends
  // the `chat_removed` frames); the others found the tombstone already there: 404, as a later one.
  if (changedRows(marked) === 0) throw new AppError('not_found', 'No such chat.')
  return members.map((m) => m.userId)
}

/** A tombstoned chat: steps 3 and 4 again, then 404 like any chat that does not exist. */
async function finishIfDeleted(env: Env, db: Db, chatId: number): Promise<void> {
  const row = await db.select({ deletedAtMs: chats.deletedAtMs }).from(chats).where(eq(chats.id, chatId)).get()
  if (!row || row.deletedAtMs === null) return
  await eraseGroup(env, db, chatId)
  throw new AppError('not_found', 'No such chat.')
}

async function eraseRoomAndFiles(env: Env, chatId: number): Promise<void> {
  await env.CHAT_ROOM.getByName(String(chatId)).destroy()
  await deleteChatAttachments(env, chatId)
}

/**
 * Steps 0, 1, 3 and 4 for a group whose D1 rows are already gone (an account deletion that left it
 * empty, `account/delete.ts`): reseal, key, room, files, in that order. Idempotent.
 */
export async function eraseGroup(env: Env, db: Db, chatId: number): Promise<void> {
  await resealBeforeShredding(env, chatId)
  await destroyChatKey(db, chatId)
  await eraseRoomAndFiles(env, chatId)
}
