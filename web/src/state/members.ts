import { computed, signal } from '@preact/signals'
import type { MemberBody } from '../../../protocol'
import * as api from '../api/chats'
import { loadChats } from './chats'
import { createLoadable } from './loadable'
import { user } from './session'

/** The member list of the group whose Members panel is open: one at a time. */
export const membersChatId = signal<number | null>(null)
const list = createLoadable<MemberBody[]>([])
export const { value: members, status: membersStatus, error: membersError } = list

/** The signed-in user's own entry, so the panel knows which actions to offer. */
export const myMembership = computed(() => members.value.find((m) => m.userid === user.value?.userid))

/** Reloading the open group's list keeps it on screen; another group starts empty. */
export async function loadMembers(chatId: number): Promise<void> {
  if (membersChatId.value !== chatId) list.reset()
  membersChatId.value = chatId
  await list.load(async () => (await api.listMembers(chatId)).members, { refresh: true })
}

export function closeMembers(): void {
  list.reset()
  membersChatId.value = null
}

/** Each action throws an ApiError for the caller to show through describeError, then refreshes the list. */
export async function changeRole(chatId: number, userId: number, role: 'admin' | 'member'): Promise<void> {
  await api.setMemberRole(chatId, userId, role)
  await loadMembers(chatId)
}

export async function removeFromGroup(chatId: number, userId: number): Promise<void> {
  await api.removeMember(chatId, userId)
  await loadMembers(chatId)
}

/** Leaves the group and refreshes the chat list; the caller navigates away. */
export async function leaveGroup(chatId: number): Promise<void> {
  await api.leaveGroup(chatId)
  closeMembers()
  await loadChats()
}
