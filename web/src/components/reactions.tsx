import type { Reaction } from '../../../protocol'
import { toggleReaction } from '../state/room'

/**
 * A message's reactions as chips: emoji and count, pressed when one of them is the signed-in
 * user's. The names of who reacted are the chip's tooltip (hover) and part of its accessible name
 * (focus); activating a chip adds or takes back one's own reaction.
 */
export function Reactions({ seq, reactions, myId, nameOf }: { seq: number; reactions: Reaction[]; myId: number | undefined; nameOf: (userId: number) => string }) {
  if (reactions.length === 0) return null
  return (
    <ul class="reactions" aria-label="Reactions">
      {reactions.map((r) => {
        const isMine = myId !== undefined && r.user_ids.includes(myId)
        const names = r.user_ids.map((id) => (id === myId ? 'you' : nameOf(id))).join(', ')
        return (
          <li key={r.emoji}>
            <button type="button" class={`chip${isMine ? ' is-mine' : ''}`} aria-pressed={isMine} title={names} aria-label={`${r.emoji} ${r.count}: ${names}`} onClick={() => toggleReaction(seq, r.emoji)}>
              <span aria-hidden="true">{r.emoji}</span> <span aria-hidden="true">{r.count}</span>
            </button>
          </li>
        )
      })}
    </ul>
  )
}
