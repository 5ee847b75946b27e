// Inside a Durable Object (a chat's room, a user's hub): the session ids revoked lately, so a socket
// upgrade or `auth` frame carrying an access token of one is refused without asking D1 (issue #16).
// Kept in the object's synchronous KV storage (SQLite-backed), so hibernation and restarts keep them.

const PREFIX = 'revoked_session:'

/**
 * Records `sessionIds` as revoked until `untilMs` (epoch ms: when the last access token issued for
 * them has expired, so no later token can carry them) and drops every entry already past its time,
 * so the list holds at most the revocations of the last ACCESS_TOKEN_TTL_SECONDS plus one batch.
 */
export function recordRevokedSessions(kv: SyncKvStorage, sessionIds: readonly string[], untilMs: number, nowMs: number): void {
  for (const [key, expiresAtMs] of kv.list<number>({ prefix: PREFIX })) {
    if (expiresAtMs <= nowMs) kv.delete(key)
  }
  for (const id of sessionIds) kv.put(PREFIX + id, Math.max(untilMs, kv.get<number>(PREFIX + id) ?? 0))
}

/** True when `sessionId` was revoked and tokens of it may still be unexpired; an unknown session (undefined) is not. */
export function isSessionRevoked(kv: SyncKvStorage, sessionId: string | undefined, nowMs: number): boolean {
  if (sessionId === undefined) return false
  const untilMs = kv.get<number>(PREFIX + sessionId)
  return untilMs !== undefined && untilMs > nowMs
}
