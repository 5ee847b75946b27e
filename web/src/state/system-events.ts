import type { SystemEvent } from '../../../protocol'

/** A sentence about a group event: plain words, and user-supplied names kept apart so the view isolates them (`UserText`). */
export type EventPart = string | { name: string }

/**
 * The sentence a system message shows, e.g. ["You", " added ", { name: "bob" }]. The signed-in
 * user is "You" as the actor and "you" as the subject; everyone else is named.
 */
export function describeEvent(event: SystemEvent, myId: number | undefined): EventPart[] {
  const actor: EventPart = event.actor_id === myId ? 'You' : { name: event.actor }
  const subject = (e: { user_id: number; username: string }): EventPart => (e.user_id === myId ? 'you' : { name: e.username })
  switch (event.type) {
    case 'created':
      return [actor, ' created the group']
    case 'joined':
      return [actor, ' joined']
    case 'left':
      return [actor, ' left']
    case 'added':
      return [actor, ' added ', subject(event)]
    case 'removed':
      return [actor, ' removed ', subject(event)]
    case 'role_changed':
      return [actor, ' made ', subject(event), event.role === 'admin' ? ' an admin' : event.role === 'owner' ? ' the owner' : ' a member']
    case 'renamed':
      return [actor, ' renamed the group to ', { name: event.name }]
    case 'visibility_changed':
      return [actor, ` made the group ${event.visibility}`]
    case 'ownership_transferred':
      return [actor, ' made ', subject(event), ' the owner']
    default:
      return [actor, ' changed the group']
  }
}

/** The same sentence as plain text (a reply preview, a label). */
export function eventText(event: SystemEvent, myId: number | undefined): string {
  return describeEvent(event, myId)
    .map((part) => (typeof part === 'string' ? part : part.name))
    .join('')
}
