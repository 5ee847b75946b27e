import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { AckFrame, ErrorFrame, MessageFrame, ResumedFrame, ServerFrame } from '../../../protocol/socket'
import { addToGroup, createGroup, openSocket, signUp, type TestSocket, type TestUser, lastSeqOf } from '../helpers'

// Issue #14: the room object is reset while its members send, and every member also drops its own
// socket every DROP_EVERY frames. Clients behave as the web client does (web/src/api/socket.ts):
// reconnect with `since` = the last seq they hold, resend every unacked message with its client_id.
// Proven at the end: every message was acked, stored once, and reached every member exactly once
// and in seq order, across all the reconnects.

const MEMBERS = 3
const MESSAGES_PER_MEMBER = 150
/** Frames a client sends on one socket before it drops it (FRAME_BURST is 50: no frame is rate limited). */
const DROP_EVERY = 50
/** Sends a client keeps in flight (sent, not yet acked). */
const WINDOW = 5
/** The room is reset (`ctx.abort()`) once this many messages in all were acked. */
const RESET_AFTER_ACKS = [60, 200, 330]
/** Deadline of any one wait; the whole run takes a few seconds. */
const WAIT_MS = 15_000

/** Wakes every waiter whenever something a client waits on changes (an ack, an error, a close). */
class Changes {
  private waiters = new Set<() => void>()
  notify(): void {
    for (const wake of this.waiters) wake()
  }
  /** Resolves once `ready()` holds, checked now and after every change; rejects after WAIT_MS naming `what`. */
  until(ready: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!ready()) return
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve()
      }
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`still waiting for ${what} after ${WAIT_MS} ms`))
      }, WAIT_MS)
      this.waiters.add(check)
      check()
    })
  }
}

/** One member's client: its own sends, and every message it was delivered, in arrival order. */
class Client {
  readonly delivered: MessageFrame[] = []
  /** Seq of each acked client_id, from every ack (a duplicate ack must name the same seq). */
  readonly ackSeqs = new Map<string, number[]>()
  readonly problems: string[] = []
  lastSeq = 0
  connects = 0
  /** Sockets cut under the client (1006): the resets. */
  disconnects = 0
  /** Acks of a resend whose message was already stored. */
  duplicateAcks = 0
  /** Drops that stopped reading at a stored message's broadcast (a reset can cut one short). */
  drops = 0
  private inFlight = new Set<string>()
  private sentCount = 0
  private socket: TestSocket | null = null
  private open = false
  private sentOnSocket = 0
  /** False from a drop on: the current socket's frames are no longer read. */
  private listening = false
  /** Set by `drop`: stop reading at the broadcast of a message still in flight, before its ack. */
  private dropAtDelivery = false

  constructor(
    readonly user: TestUser,
    private readonly chatId: number,
    private readonly changes: Changes,
    private readonly onAck: () => void,
  ) {}

  clientId(i: number): string {
    return `${this.user.id}-${i}`
  }

  get ackedCount(): number {
    return this.ackSeqs.size
  }

  /** Sends every message, dropping the socket every DROP_EVERY frames; reconnects after any close. */
  async run(): Promise<void> {
    while (this.ackedCount < MESSAGES_PER_MEMBER) {
      if (!this.open) await this.connect()
      if (this.sentOnSocket === DROP_EVERY) {
        await this.drop()
        continue
      }
      const next = this.nextToSend()
      if (next === null) {
        // Everything is sent and in flight: wait for the acks (or a refusal to resend, or a close).
        await this.changes.until(() => !this.open || this.nextToSend() !== null || this.ackedCount === MESSAGES_PER_MEMBER, `the acks of ${this.user.username}`)
        continue
      }
      await this.changes.until(() => !this.open || this.inFlight.size < WINDOW, `a free send slot of ${this.user.username}`)
      if (!this.open) continue
      this.inFlight.add(next)
      this.sentCount = Math.max(this.sentCount, Number(next.split('-')[1]) + 1)
      this.socket!.send({ type: 'send', client_id: next, text: `message ${next}` })
      this.sentOnSocket += 1
    }
    // Nothing more is read from it: a late frame must not move lastSeq under the catch-up's `since`.
    this.listening = false
    if (this.open) this.socket!.ws.close(1000, 'done')
  }

  /**
   * The drop, as a connection lost right after the room stored a message but before its ack came
   * back: reading stops at the broadcast of a message still in flight (the frame sent just before is
   * one), so that message is stored and unacked, and its resend on the next socket must be answered
   * as a duplicate. Nothing more is read from this socket; the other sends in flight are resent too.
   * Waiting for that broadcast makes the resend of a stored message happen on every drop, not only
   * when the timing allows (a drop racing the commit stored nothing before it).
   */
  private async drop(): Promise<void> {
    this.dropAtDelivery = true
    await this.changes.until(() => !this.open || !this.listening, `a broadcast of ${this.user.username}'s message in flight`)
    this.dropAtDelivery = false
    if (this.open) this.drops += 1
    this.listening = false
    if (this.open) this.socket!.ws.close(1000, 'drop')
    await this.changes.until(() => !this.open, `the close of ${this.user.username}'s socket`)
  }

  /** Unacked messages first (oldest first, never the ones in flight on this socket), then new ones. */
  private nextToSend(): string | null {
    for (let i = 0; i < this.sentCount; i++) {
      const id = this.clientId(i)
      if (!this.ackSeqs.has(id) && !this.inFlight.has(id)) return id
    }
    return this.sentCount < MESSAGES_PER_MEMBER ? this.clientId(this.sentCount) : null
  }

  /** Opens a socket resuming after `lastSeq`; the returned promise settles once it has resumed. */
  async connect(): Promise<ResumedFrame> {
    const s = await openSocket(this.chatId, this.user.accessToken, { since: this.lastSeq })
    this.connects += 1
    this.socket = s
    this.open = true
    this.inFlight = new Set()
    this.sentOnSocket = 0
    this.listening = true
    s.ws.addEventListener('message', (event) => {
      if (this.socket === s && this.listening) this.receive(JSON.parse(event.data as string) as ServerFrame)
    })
    void s.closed.then((code) => {
      if (code === 1006) this.disconnects += 1
      if (this.socket === s) this.open = false
      this.changes.notify()
    })
    // Frames that arrived before the listener above was attached (the replay may come at once).
    for (const frame of s.frames) this.receive(frame)
    return s.waitFor<ResumedFrame>((f) => f.type === 'resumed', WAIT_MS)
  }

  private receive(frame: ServerFrame): void {
    if (frame.type === 'message') this.deliver(frame)
    else if (frame.type === 'ack') this.acked(frame)
    else if (frame.type === 'error') this.refused(frame)
  }

  private deliver(m: MessageFrame): void {
    if (m.seq !== this.lastSeq + 1) this.problems.push(`${this.user.username} got seq ${m.seq} after ${this.lastSeq}`)
    this.delivered.push(m)
    this.lastSeq = Math.max(this.lastSeq, m.seq)
    if (this.dropAtDelivery && m.client_id !== null && this.inFlight.has(m.client_id)) {
      // Its ack is the next frame on this socket: it is never read.
      this.listening = false
      this.changes.notify()
    }
  }

  private acked(ack: AckFrame): void {
    const id = ack.client_id!
    const seqs = this.ackSeqs.get(id) ?? []
    const isNew = seqs.length === 0
    if (ack.duplicate) this.duplicateAcks += 1
    this.ackSeqs.set(id, [...seqs, ack.seq])
    this.inFlight.delete(id)
    if (isNew) this.onAck()
    this.changes.notify()
  }

  // A send the room could not store (the reset caught its batch): resent on this or the next socket.
  private refused(error: ErrorFrame): void {
    if (error.client_id !== undefined) this.inFlight.delete(error.client_id)
    this.changes.notify()
  }
}

function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

/** Resets the room as a crash or a deploy does: the instance is dropped, its sockets disconnected (1006). */
async function resetRoom(chatId: number): Promise<void> {
  const reason = await runInDurableObject(roomOf(chatId), (_instance, state) => state.abort('test reset')).then(
    () => 'not aborted',
    (err: unknown) => String(err),
  )
  expect(reason).toContain('test reset')
}

describe('a room reset while members send and drop', () => {
  it(`delivers every acked message to every member exactly once and in order, with ${RESET_AFTER_ACKS.length} resets and a drop every ${DROP_EVERY} frames`, { timeout: 60_000 }, async () => {
    const users = await Promise.all(Array.from({ length: MEMBERS }, () => signUp('reset')))
    const chatId = await createGroup(users[0]!)
    for (const user of users.slice(1)) await addToGroup(chatId, users[0]!, user)
    // The group's system messages (created, added) come first in the log; members' messages follow.
    const base = await lastSeqOf(chatId)

    const changes = new Changes()
    let ackedTotal = 0
    const clients = users.map((user) => new Client(user, chatId, changes, () => (ackedTotal += 1)))
    let resets = 0
    const resetting = (async () => {
      for (const after of RESET_AFTER_ACKS) {
        await changes.until(() => ackedTotal >= after, `${after} acks`)
        await resetRoom(chatId)
        resets += 1
      }
    })()
    await Promise.all([...clients.map((c) => c.run()), resetting])
    expect(resets).toBe(RESET_AFTER_ACKS.length)

    // Each member catches up once more: what others sent after its last drop.
    const total = MEMBERS * MESSAGES_PER_MEMBER
    const last = base + total
    for (const client of clients) {
      const resumed = await client.connect()
      expect(resumed.last_seq).toBe(last)
      await changes.until(() => client.lastSeq === last, `${client.user.username} to hold seq ${last}`)
    }
    const membersOf = (c: Client) => c.delivered.filter((m) => m.kind === 'message')

    const everyId = clients.flatMap((c) => Array.from({ length: MESSAGES_PER_MEMBER }, (_, i) => c.clientId(i))).sort()
    const reference = membersOf(clients[0]!).map((m) => [m.seq, m.client_id, m.sender_id, m.message])
    for (const client of clients) {
      expect(client.problems).toEqual([])
      // Exactly once, in order: seqs 1..last (system messages, then members'), no repeat, no gap.
      expect(client.delivered.map((m) => m.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1))
      expect(membersOf(client).map((m) => m.client_id).sort()).toEqual(everyId)
      // Every member saw the same message at the same seq.
      expect(membersOf(client).map((m) => [m.seq, m.client_id, m.sender_id, m.message])).toEqual(reference)
      // Every ack, duplicates included, names the seq the message is delivered at.
      const seqOf = new Map(membersOf(client).map((m) => [m.client_id, m.seq]))
      for (const [id, seqs] of client.ackSeqs) expect(new Set(seqs)).toEqual(new Set([seqOf.get(id)]))
      expect(client.ackedCount).toBe(MESSAGES_PER_MEMBER)
      expect(client.connects).toBeGreaterThanOrEqual(MESSAGES_PER_MEMBER / DROP_EVERY + 1)
    }
    const stored = await runInDurableObject(roomOf(chatId), (_instance, state) =>
      state.storage.sql.exec<{ n: number; ids: number }>("SELECT count(*) AS n, count(DISTINCT client_id) AS ids FROM messages WHERE kind = 'message'").one(),
    )
    expect(stored).toEqual({ n: total, ids: total })
    // The faults happened: sockets cut by the resets, and resends of messages stored before a drop.
    expect(clients.reduce((n, c) => n + c.disconnects, 0)).toBeGreaterThanOrEqual(RESET_AFTER_ACKS.length)
    // Every drop left a stored, unacked message behind, and its resend was answered as a duplicate.
    for (const client of clients) expect(client.duplicateAcks).toBeGreaterThanOrEqual(client.drops)
  })
})
