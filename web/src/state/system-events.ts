import type { SystemEvent } from '../../../protocol'

/**
 * A sentence about a group event: plain words, and user-supplied names kept apart so the view
 * isolates them (`UserText`). `label`: the "Deleted user" label of a deleted account (the event's
 * `actor_deleted`/`user_deleted`), shown as a label, never as a name.
 */
export type EventPart = string | { name: string; label?: true }

/**
 * The sentence a system message shows, e.g. ["You", " added ", { name: "bob" }]. The signed-in
 * user is "You" as the actor and "you" as the subject; everyone else is named.
 */
export function describeEvent(event: SystemEvent, myId: number | undefined): EventPart[] {
  const actor: EventPart = event.actor_id === myId ? 'You' : event.actor_deleted ? { name: event.actor, label: true } : { name: event.actor }
  const subject = (e: { user_id: number; username: string; user_deleted?: true }): EventPart =>
    e.user_id === myId ? 'you' : e.user_deleted ? { name: e.username, label: true } : { name: e.username }
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
