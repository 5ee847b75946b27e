import { describe, expect, it } from 'vitest'
import type { SystemEvent } from '../../../protocol'
import { describeEvent, eventText } from './system-events'

const ann = { actor_id: 1, actor: 'ann' }
const bob = { user_id: 2, username: 'bob' }

describe('describeEvent', () => {
  it.each<[SystemEvent, string]>([
    [{ type: 'created', ...ann }, 'ann created the group'],
    [{ type: 'joined', ...ann }, 'ann joined'],
    [{ type: 'left', ...ann }, 'ann left'],
    [{ type: 'added', ...ann, ...bob }, 'ann added bob'],
    [{ type: 'removed', ...ann, ...bob }, 'ann removed bob'],
    [{ type: 'role_changed', role: 'admin', ...ann, ...bob }, 'ann made bob an admin'],
    [{ type: 'role_changed', role: 'member', ...ann, ...bob }, 'ann made bob a member'],
    [{ type: 'renamed', name: 'Team', ...ann }, 'ann renamed the group to Team'],
    [{ type: 'visibility_changed', visibility: 'private', ...ann }, 'ann made the group private'],
    [{ type: 'ownership_transferred', ...ann, ...bob }, 'ann made bob the owner'],
  ])('%j reads "%s" to a third member', (event, text) => {
    expect(eventText(event, 3)).toBe(text)
  })

  it('marks the "Deleted user" label of a deleted actor or subject as a label, and names as names', () => {
    const gone = { actor_id: 9, actor: 'Deleted user', actor_deleted: true as const }
    expect(describeEvent({ type: 'ownership_transferred', ...gone, ...bob }, 3)).toEqual([{ name: 'Deleted user', label: true }, ' made ', { name: 'bob' }, ' the owner'])
    expect(describeEvent({ type: 'added', ...ann, user_id: 9, username: 'Deleted user', user_deleted: true }, 3)).toEqual([{ name: 'ann' }, ' added ', { name: 'Deleted user', label: true }])
  })

  it('says You and you for the signed-in user', () => {
    expect(eventText({ type: 'added', ...ann, ...bob }, 1)).toBe('You added bob')
    expect(eventText({ type: 'removed', ...ann, ...bob }, 2)).toBe('ann removed you')
  })

  it('keeps every user-supplied name apart for isolation', () => {
    const name = 'Team\u202Eexe.pdf'
    expect(describeEvent({ type: 'renamed', name, ...ann }, 3)).toEqual([{ name: 'ann' }, ' renamed the group to ', { name }])
  })
})
