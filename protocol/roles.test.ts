import { describe, expect, it } from 'vitest'
import type { MemberRole } from './http'
import { byRank, canChangeRole, canLeave } from './roles'

describe('protocol/roles', () => {
  it('orders roles owner, admin, member and keeps equal ranks in place', () => {
    const roles: MemberRole[] = ['member', 'owner', 'member', 'admin']
    expect([...roles].sort(byRank)).toEqual(['owner', 'admin', 'member', 'member'])
    const table: [MemberRole, MemberRole, number][] = [
      ['owner', 'admin', -1],
      ['admin', 'owner', 1],
      ['member', 'member', 0],
    ]
    for (const [a, b, sign] of table) expect(Math.sign(byRank(a, b))).toBe(sign)
  })

  it('lets only the owner change roles, and never the owner role', () => {
    const table: [MemberRole, MemberRole, boolean][] = [
      ['owner', 'member', true],
      ['owner', 'admin', true],
      ['owner', 'owner', false],
      ['admin', 'member', false],
      ['member', 'member', false],
    ]
    for (const [actor, target, allowed] of table) expect([actor, target, canChangeRole(actor, target)]).toEqual([actor, target, allowed])
  })

  it('lets everybody but the owner leave', () => {
    expect((['owner', 'admin', 'member'] as const).map(canLeave)).toEqual([false, true, true])
  })
})
