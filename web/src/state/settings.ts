import { signal } from '@preact/signals'
import { EXPORT_FILE_NAME } from '../../../protocol'
import * as auth from '../api/auth'
import { saveFile } from '../utils/download'

/**
 * "Send read receipts" (`PATCH /me/`): off, the server neither sends this user's read positions
 * to others nor theirs to this user; the client also hides "Seen" at once, without a reconnect.
 * True (the server's default) until GET /me/ has answered.
 */
export const readReceipts = signal(true)

export async function loadSettings(): Promise<void> {
  readReceipts.value = (await auth.getMe()).user.read_receipts
}

/**
 * Shows the choice at once (a switch that springs back until the server answers reads as broken),
 * then the server's answer; on failure the previous value comes back and the ApiError is thrown
 * for the caller's useAction.
 */
export async function setReadReceipts(isOn: boolean): Promise<void> {
  const before = readReceipts.value
  readReceipts.value = isOn
  try {
    readReceipts.value = (await auth.updateMe({ read_receipts: isOn })).user.read_receipts
  } catch (err) {
    readReceipts.value = before
    throw err
  }
}

/** GET /me/export/, saved as edge-chat-export.json: the profile, chats and the user's own messages. */
export async function downloadExport(): Promise<void> {
  saveFile(await auth.exportAccount(), EXPORT_FILE_NAME)
}
