import { computed, signal } from '@preact/signals'
import type { MemberBody } from '../../../protocol'
import * as api from '../api/chats'
import { describeError } from '../api/errors'
import { loadChats } from './chats'
import { user } from './session'

/** The member list of the group whose Members panel is open: one at a time. */
export const membersChatId = signal<number | null>(null)
export const members = signal<MemberBody[]>([])
export const membersStatus = signal<'idle' | 'loading' | 'ready' | 'error'>('idle')
export const membersError = signal<string | null>(null)

/** The signed-in user's own entry, so the panel knows which actions to offer. */
export const myMembership = computed(() => members.value.find((m) => m.userid === user.value?.userid))

let latest = 0

export async function loadMembers(chatId: number): Promise<void> {
  const ticket = ++latest
  if (membersChatId.value !== chatId) {
    members.value = []
    membersStatus.value = 'loading'
  }
  membersChatId.value = chatId
  try {
    const res = await api.listMembers(chatId)
    if (ticket !== latest) return
    members.value = res.members
    membersStatus.value = 'ready'
    membersError.value = null
  } catch (err) {
    if (ticket !== latest) return
    membersError.value = describeError(err)
    if (membersStatus.value !== 'ready') membersStatus.value = 'error'
  }
}

export function closeMembers(): void {
  latest++
  membersChatId.value = null
  members.value = []
  membersStatus.value = 'idle'
  membersError.value = null
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
