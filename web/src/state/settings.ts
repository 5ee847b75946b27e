import { signal } from '@preact/signals'
import * as auth from '../api/auth'

/**
 * "Send read receipts" (`PATCH /me/`): off, the server neither sends this user's read positions
 * to others nor theirs to this user; the client also hides "Seen" at once, without a reconnect.
 * True (the server's default) until GET /me/ has answered.
 */
export const readReceipts = signal(true)

export async function loadSettings(): Promise<void> {
  readReceipts.value = (await auth.getMe()).user.read_receipts
}

/** Throws an ApiError for the caller's useAction; the switch shows the server's answer. */
export async function setReadReceipts(isOn: boolean): Promise<void> {
  readReceipts.value = (await auth.updateMe({ read_receipts: isOn })).user.read_receipts
}
