import { describe, expect, it } from 'vitest'
import type { MemberRole } from '../../../protocol'
import { canAddPeople, canChangeRole, canLeave, canRemove } from './roles'

type Mine = MemberRole | undefined

// Every (own role, their role) pair, with `undefined` for a member list that has not loaded yet.
const CHANGE_ROLE: [Mine, MemberRole, boolean][] = [
  ['owner', 'owner', false],
  ['owner', 'admin', true],
  ['owner', 'member', true],
  ['admin', 'owner', false],
  ['admin', 'admin', false],
  ['admin', 'member', false],
  ['member', 'owner', false],
  ['member', 'admin', false],
  ['member', 'member', false],
  [undefined, 'owner', false],
  [undefined, 'admin', false],
  [undefined, 'member', false],
]

const REMOVE: [Mine, MemberRole, boolean][] = [
  ['owner', 'owner', false],
  ['owner', 'admin', true],
  ['owner', 'member', true],
  ['admin', 'owner', false],
  ['admin', 'admin', false],
  ['admin', 'member', true],
  ['member', 'owner', false],
  ['member', 'admin', false],
  ['member', 'member', false],
  [undefined, 'owner', false],
  [undefined, 'admin', false],
  [undefined, 'member', false],
]

const OWN_ROLE: [Mine, { leave: boolean; add: boolean }][] = [
  ['owner', { leave: false, add: true }],
  ['admin', { leave: true, add: true }],
  ['member', { leave: true, add: false }],
  [undefined, { leave: false, add: false }],
]

describe('canChangeRole', () => {
  it.each(CHANGE_ROLE)('%s on %s: %s', (mine, theirs, expected) => {
    expect(canChangeRole(mine, theirs)).toBe(expected)
  })
})

describe('canRemove', () => {
  it.each(REMOVE)('%s on %s: %s', (mine, theirs, expected) => {
    expect(canRemove(mine, theirs)).toBe(expected)
  })
})

describe('canLeave and canAddPeople', () => {
  it.each(OWN_ROLE)('%s: %o', (mine, expected) => {
    expect({ leave: canLeave(mine), add: canAddPeople(mine) }).toEqual(expected)
  })
})
