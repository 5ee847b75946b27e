import type { MemberRole } from '../../../protocol'

/** Pure rules for what the signed-in member may do to another, mirroring the server's checks. */
const RANK: Record<MemberRole, number> = { owner: 3, admin: 2, member: 1 }

export const ROLE_LABEL: Record<MemberRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' }

/** Only the owner promotes or demotes, and never themselves. */
export const canChangeRole = (mine: MemberRole | undefined, theirs: MemberRole): boolean => mine === 'owner' && theirs !== 'owner'

/** Owners and admins remove members ranked below them. */
export const canRemove = (mine: MemberRole | undefined, theirs: MemberRole): boolean =>
  mine !== undefined && RANK[mine] >= RANK.admin && RANK[theirs] < RANK[mine]

/** Everybody but the owner may leave. */
export const canLeave = (mine: MemberRole | undefined): boolean => mine !== undefined && mine !== 'owner'

export const canAddPeople = (mine: MemberRole | undefined): boolean => mine === 'owner' || mine === 'admin'
