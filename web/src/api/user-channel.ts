import { CLOSE_CODES, PATHS, SUBPROTOCOL, type ChannelClientFrame, type ChannelServerFrame } from '../../../protocol'
import { browserSocketOptions, runInBrowser } from './browser-socket'
import { LiveSocket, type LiveSocketOptions } from './live-socket'

export type UserChannelOptions = Omit<LiveSocketOptions<ChannelServerFrame>, 'url' | 'protocols' | 'finalCloseCodes'>

/**
 * The signed-in user's live channel, `GET /ws/me/` (docs/protocol.md): list rows (`chat`),
 * removals (`chat_removed`) and `presence`, for the chats that are not open. LiveSocket's rules
 * (backoff, token renewal, ping every 25 s, which the server's idle limit of 35 s relies on).
 * Nothing is resumed: each `ready` starts a fresh picture, so the caller reloads the list on it.
 */
export class UserChannel extends LiveSocket<ChannelServerFrame, ChannelClientFrame> {
  constructor(options: UserChannelOptions) {
    // 4005: the account was deleted (in another tab); reconnecting cannot help.
    super({ ...options, url: (token) => `${PATHS.meSocket}?${new URLSearchParams({ token })}`, protocols: [SUBPROTOCOL], finalCloseCodes: [CLOSE_CODES.accountDeleted] })
  }
}

/** Opens the channel on this page's origin, wired to the browser's online state and token renewals; returns stop. */
export function connectUserChannel(options: Pick<UserChannelOptions, 'onFrame' | 'onStatus'>): () => void {
  return runInBrowser(new UserChannel({ ...options, ...browserSocketOptions() }))
}
