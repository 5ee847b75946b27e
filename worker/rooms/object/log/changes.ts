import { and, asc, countDistinct, eq, sql } from 'drizzle-orm'
import type { Reaction } from '../../../../protocol/http'
import type { Sealed } from '../../../crypto/aead'
import { changes, messages, reactions, type ChangeKind } from './schema'
import type { LogDb } from './store'

// Queries for change entries: each call is synchronous; the caller runs a change's writes in one
// transaction inside the room's exclusive section (actions.ts).

/** Records a change entry: `kind` done to message `targetSeq` by `actorId`, at `seq`. */
export function insertChange(db: LogDb, seq: number, targetSeq: number, kind: ChangeKind, actorId: number, createdAtMs: number): void {
  db.insert(changes).values({ seq, targetSeq, kind, actorId, createdAtMs }).run()
}

/** Replaces a message's ciphertext with its `editCount`-th edit, sealed for that count (seal.ts). */
export function replaceText(db: LogDb, seq: number, sealed: Sealed, editCount: number, editedAtMs: number): void {
  db.update(messages).set({ ...sealed, editCount, editedAtMs }).where(eq(messages.seq, seq)).run()
}

/** Erases a message: its IV and ciphertext become NULL, its quote and reactions go, and it is marked deleted. */
export function eraseMessage(db: LogDb, seq: number, deletedAtMs: number): void {
  db.update(messages).set({ iv: null, ciphertext: null, replyTo: null, deletedAtMs }).where(eq(messages.seq, seq)).run()
  db.delete(reactions).where(eq(reactions.messageSeq, seq)).run()
}

/** True when `userId` reacted to message `messageSeq` with `emoji`. */
export function hasReaction(db: LogDb, messageSeq: number, emoji: string, userId: number): boolean {
  const where = and(eq(reactions.messageSeq, messageSeq), eq(reactions.emoji, emoji), eq(reactions.userId, userId))
  return db.select({ seq: reactions.seq }).from(reactions).where(where).get() !== undefined
}

/** The distinct emoji on message `messageSeq`, and whether `emoji` is among them. */
export function emojiOn(db: LogDb, messageSeq: number, emoji: string): { distinct: number; present: boolean } {
  const row = db
    .select({ distinct: countDistinct(reactions.emoji), present: sql<number>`max(${reactions.emoji} = ${emoji})` })
    .from(reactions)
    .where(eq(reactions.messageSeq, messageSeq))
    .get()
  return { distinct: row?.distinct ?? 0, present: row?.present === 1 }
}

export function addReaction(db: LogDb, messageSeq: number, emoji: string, userId: number, seq: number): void {
  db.insert(reactions).values({ messageSeq, emoji, userId, seq }).run()
}

export function removeReaction(db: LogDb, messageSeq: number, emoji: string, userId: number): void {
  db.delete(reactions).where(and(eq(reactions.messageSeq, messageSeq), eq(reactions.emoji, emoji), eq(reactions.userId, userId))).run()
}

/**
 * The reactions of these messages, keyed by message seq: emoji in order of first use among the
 * current reactions (a reaction taken back and added again counts from then), members in the order
 * they reacted.
 */
export function listReactions(db: LogDb, messageSeqs: number[]): Map<number, Reaction[]> {
  const byMessage = new Map<number, Map<string, Reaction>>()
  if (messageSeqs.length === 0) return new Map()
  const rows = db
    .select()
    .from(reactions)
    .where(sql`${reactions.messageSeq} IN (SELECT value FROM json_each(${JSON.stringify(messageSeqs)}))`)
    .orderBy(asc(reactions.seq))
    .all()
  for (const row of rows) {
    let emoji = byMessage.get(row.messageSeq)
    if (!emoji) byMessage.set(row.messageSeq, (emoji = new Map()))
    let reaction = emoji.get(row.emoji)
    if (!reaction) emoji.set(row.emoji, (reaction = { emoji: row.emoji, count: 0, user_ids: [] }))
    reaction.count += 1
    reaction.user_ids.push(row.userId)
  }
  return new Map([...byMessage].map(([seq, emoji]) => [seq, [...emoji.values()]]))
}
