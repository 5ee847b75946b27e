import { signal } from '@preact/signals'
import type { ChatVisibility, CreatedInviteBody, InviteBody, MemberBody } from '../../../protocol'
import * as api from '../api/chats'
import { loadChats } from './chats'
import { createLoadable } from './loadable'

/** The open settings panel's invite links (one panel at a time). */
const inviteList = createLoadable<InviteBody[]>([])
export const { value: invites, status: invitesStatus, error: invitesError } = inviteList
/** The invite just created: the only time its link is known (the list never shows codes again). */
export const createdInvite = signal<CreatedInviteBody | null>(null)

/** Invite lifetimes offered, in seconds (the server takes 60 s to 30 days; its default is 7 days). */
export const INVITE_EXPIRY_CHOICES: [label: string, seconds: number][] = [
  ['1 hour', 3_600],
  ['1 day', 86_400],
  ['7 days', 7 * 86_400],
  ['30 days', 30 * 86_400],
]
/** Use limits offered; null = no limit (the server takes 1 to 1,000). */
export const INVITE_USE_CHOICES: [label: string, uses: number | null][] = [
  ['No limit', null],
  ['1 use', 1],
  ['10 uses', 10],
  ['100 uses', 100],
]

export async function loadInvites(chatId: number): Promise<void> {
  await inviteList.load(async () => (await api.listInvites(chatId)).invites, { refresh: true })
}

export function closeInvites(): void {
  inviteList.reset()
  createdInvite.value = null
}

/** Saves what changed of the name and visibility; the chat list (and the room's header) follow. */
export async function saveGroupSettings(chatId: number, change: { name?: string; visibility?: ChatVisibility }): Promise<void> {
  if (change.name === undefined && change.visibility === undefined) return
  await api.updateChat(chatId, change)
  await loadChats()
}

export async function createInviteLink(chatId: number, expiresInSeconds: number, maxUses: number | null): Promise<void> {
  const invite = await api.createInvite(chatId, expiresInSeconds, maxUses)
  createdInvite.value = invite
  invites.value = [invite, ...invites.value.filter((i) => i.id !== invite.id)]
}

export async function revokeInviteLink(chatId: number, inviteId: string): Promise<void> {
  await api.revokeInvite(chatId, inviteId)
  invites.value = invites.value.filter((i) => i.id !== inviteId)
  if (createdInvite.value?.id === inviteId) createdInvite.value = null
}

/** Members the owner may hand the group to: everyone else. */
export function transferCandidates(members: readonly MemberBody[], myId: number | undefined): MemberBody[] {
  return members.filter((m) => m.userid !== myId)
}

export async function transferGroup(chatId: number, userId: number): Promise<void> {
  await api.transferOwnership(chatId, userId)
  await loadChats()
}

/** Deletes the group for everyone; the caller leaves the page. */
export async function deleteGroup(chatId: number): Promise<void> {
  await api.deleteChat(chatId)
  await loadChats()
}
