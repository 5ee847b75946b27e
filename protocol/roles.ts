import type { MemberRole } from './http'

/**
 * Who may do what in a group. The server enforces these rules; the web client uses the same
 * functions only to decide which buttons to show.
 */
const ROLE_RANK: Record<MemberRole, number> = { member: 0, admin: 1, owner: 2 }

/** True when `actual` is `required` or outranks it (owner > admin > member). */
export function hasRole(actual: MemberRole, required: MemberRole): boolean {
  return ROLE_RANK[actual] >= ROLE_RANK[required]
}

/** Owners and admins remove members ranked strictly below them. */
export function canRemove(actor: MemberRole, target: MemberRole): boolean {
  return hasRole(actor, 'admin') && ROLE_RANK[actor] > ROLE_RANK[target]
}

/** Only the owner grants or takes away the admin role, so admins cannot multiply themselves. */
export function canChangeRole(actor: MemberRole, target: MemberRole): boolean {
  return actor === 'owner' && target !== 'owner'
}

/** Owners and admins add people to a group. */
export function canAddPeople(actor: MemberRole): boolean {
  return hasRole(actor, 'admin')
}

/** Owners and admins rename a group, change its visibility and manage its invite links. */
export function canManageGroup(actor: MemberRole): boolean {
  return hasRole(actor, 'admin')
}

/** Only the owner deletes the group or hands ownership to another member. */
export function canDeleteOrTransfer(actor: MemberRole): boolean {
  return actor === 'owner'
}

/** Everybody but the owner may leave a group. */
export function canLeave(actor: MemberRole): boolean {
  return actor !== 'owner'
}

/** Owners and admins of a group may delete any member's message; in a 1:1 chat only one's own (#12). */
export function canDeleteOthersMessages(actor: MemberRole, isGroup: boolean): boolean {
  return isGroup && hasRole(actor, 'admin')
}

/** Sort order for member lists: higher rank first (owner, admin, member); 0 for equal ranks. */
export function byRank(a: MemberRole, b: MemberRole): number {
  return ROLE_RANK[b] - ROLE_RANK[a]
}
