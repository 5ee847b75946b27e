import { canAddPeople as mayAdd, canChangeRole as mayChange, canLeave as mayLeave, canRemove as mayRemove, type MemberRole } from '../../../protocol'

// The rules are the server's (protocol/roles.ts); here they only decide which buttons to show, and
// accept an unknown own role (members not loaded yet) as "may do nothing".

export const ROLE_LABEL: Record<MemberRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' }

export const canChangeRole = (mine: MemberRole | undefined, theirs: MemberRole): boolean => mine !== undefined && mayChange(mine, theirs)

export const canRemove = (mine: MemberRole | undefined, theirs: MemberRole): boolean => mine !== undefined && mayRemove(mine, theirs)

export const canLeave = (mine: MemberRole | undefined): boolean => mine !== undefined && mayLeave(mine)

export const canAddPeople = (mine: MemberRole | undefined): boolean => mine !== undefined && mayAdd(mine)
