import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { importTs } from './import-ts.mjs'

const { canAddPeople, canChangeRole, canLeave, canRemove } = await importTs('../src/state/roles.ts')
const ROLES = ['owner', 'admin', 'member']

describe('member actions', () => {
  it('lets only the owner change roles, and never the owner role', () => {
    for (const mine of [...ROLES, undefined]) {
      for (const theirs of ROLES) assert.equal(canChangeRole(mine, theirs), mine === 'owner' && theirs !== 'owner', `${mine} on ${theirs}`)
    }
  })

  it('lets owners and admins remove only lower-ranked members', () => {
    const allowed = new Set(['owner>admin', 'owner>member', 'admin>member'])
    for (const mine of [...ROLES, undefined]) {
      for (const theirs of ROLES) assert.equal(canRemove(mine, theirs), allowed.has(`${mine}>${theirs}`), `${mine} on ${theirs}`)
    }
  })

  it('lets everyone but the owner leave, and owners and admins add people', () => {
    assert.deepEqual(ROLES.map(canLeave), [false, true, true])
    assert.equal(canLeave(undefined), false)
    assert.deepEqual(ROLES.map(canAddPeople), [true, true, false])
  })
})
