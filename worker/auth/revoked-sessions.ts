// Inside a Durable Object (a chat's room, a user's hub): the session ids revoked lately, so a socket
// upgrade or `auth` frame carrying an access token of one is refused without asking D1 (issue #16).
// Kept in the object's synchronous KV storage (SQLite-backed), so hibernation and restarts keep them.

const PREFIX = 'revoked_session:'

// The object's revoked sessions in memory, read from storage once per storage object: every socket
// upgrade asks (twice in a room: before routing and in the accept), and a key-value read per ask was
// about 4 % of the worker's thread in an upgrade burst (`node bench/profile.mjs --upgrades 800`).
// Only this module writes these keys, and it writes through, so the copy is exact.
const copies = new WeakMap<SyncKvStorage, Map<string, number>>()

function revokedIn(kv: SyncKvStorage): Map<string, number> {
  let copy = copies.get(kv)
  if (!copy) {
    copy = new Map()
    for (const [key, untilMs] of kv.list<number>({ prefix: PREFIX })) copy.set(key.slice(PREFIX.length), untilMs)
    copies.set(kv, copy)
  }
  return copy
}

/**
 * Records `sessionIds` as revoked until `untilMs` (epoch ms: when the last access token issued for
 * them has expired, so no later token can carry them) and drops every entry already past its time,
 * so the list holds at most the revocations of the last ACCESS_TOKEN_TTL_SECONDS plus one batch.
 */
export function recordRevokedSessions(kv: SyncKvStorage, sessionIds: readonly string[], untilMs: number, nowMs: number): void {
  recordRevokedEntries(kv, sessionIds.map((sessionId) => ({ sessionId, untilMs })), nowMs)
}

/** True when `sessionId` was revoked and tokens of it may still be unexpired; an unknown session (undefined) is not. */
export function isSessionRevoked(kv: SyncKvStorage, sessionId: string | undefined, nowMs: number): boolean {
  if (sessionId === undefined) return false
  const untilMs = revokedIn(kv).get(sessionId)
  return untilMs !== undefined && untilMs > nowMs
}

/** A revoked session and when it may be forgotten (epoch ms). */
export interface RevokedSession {
  sessionId: string
  untilMs: number
}

/**
 * Every session recorded here and still refused at `nowMs`: at most the revocations of the last
 * ACCESS_TOKEN_TTL_SECONDS. A room hands them to a fan-out shard on each attach
 * (`recordRevokedEntries`), so a shard created after a revocation refuses it too.
 */
export function revokedSessionEntries(kv: SyncKvStorage, nowMs: number): RevokedSession[] {
  return [...revokedIn(kv)].filter(([, untilMs]) => untilMs > nowMs).map(([sessionId, untilMs]) => ({ sessionId, untilMs }))
}

/**
 * Records each entry (a session refused until its `untilMs`) that this storage does not already hold
 * as long, writing only those, after dropping every entry already past its time (one sweep).
 */
export function recordRevokedEntries(kv: SyncKvStorage, entries: readonly RevokedSession[], nowMs: number): void {
  const copy = revokedIn(kv)
  for (const [id, expiresAtMs] of copy) {
    if (expiresAtMs > nowMs) continue
    kv.delete(PREFIX + id)
    copy.delete(id)
  }
  for (const { sessionId, untilMs } of entries) {
    if ((copy.get(sessionId) ?? 0) >= untilMs) continue
    kv.put(PREFIX + sessionId, untilMs)
    copy.set(sessionId, untilMs)
  }
}
