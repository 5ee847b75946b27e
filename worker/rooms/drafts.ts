import { seal } from '../crypto/aead'
import { messageContext } from './messages'
import type { PendingSend } from './publish'
import type { Room } from './room'
import type { StoredMessage } from './store'

/** A message to store and the sends it answers: the first, then same-batch resends of its client_id. */
export interface Draft {
  first: PendingSend
  resends: PendingSend[]
}

/** Groups a batch by (sender, client_id): a resend inside the same batch is stored once. */
export function draftsOf(batch: PendingSend[]): Draft[] {
  const drafts: Draft[] = []
  const byClientId = new Map<string, Draft>()
  for (const pending of batch) {
    const key = pending.clientId === null ? null : `${pending.sender.userId}:${pending.clientId}`
    const original = key === null ? undefined : byClientId.get(key)
    if (original) {
      original.resends.push(pending)
      continue
    }
    const draft: Draft = { first: pending, resends: [] }
    drafts.push(draft)
    if (key !== null) byClientId.set(key, draft)
  }
  return drafts
}

/** Assigns the next seqs in arrival order and encrypts every text concurrently (the AAD names the seq). */
export function sealAll(room: Room, drafts: Draft[]): Promise<StoredMessage[]> {
  const createdAtMs = Date.now()
  return Promise.all(
    drafts.map(async ({ first }, i): Promise<StoredMessage> => {
      const seq = room.lastSeq + 1 + i
      const sealed = await seal(room.keyring, first.text, messageContext(room.chatId, seq))
      const { userId, username } = first.sender
      return { seq, id: crypto.randomUUID(), senderId: userId, sender: username, clientId: first.clientId, ...sealed, createdAtMs }
    }),
  )
}
