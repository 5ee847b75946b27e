import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ERROR_STATUS, isErrorCode } from '../../../protocol/errors'
import { ClientFrameSchema } from '../../../protocol/frames'
import { CLOSE_CODES, FRAME_BURST, MAX_FRAME_BYTES, type ReadyFrame, type ResumedFrame, type ServerFrame } from '../../../protocol/socket'
import { pdfFile, uploadOk } from '../attachments'
import { addToGroup, createGroup, openSocket, sendMessage, signUp, type TestSocket, type TestUser } from '../helpers'
import { anyString, anyValue, objectOf, toJsonText, type FuzzValue } from './arbitraries'
import { fuzzParameters, fuzzTimeoutMs } from './settings'

// Issue #14: every client frame type of ClientFrameSchema, fed generated frames over a real socket.
// After each one the room still answers a ping; a refusal is an error frame with a known code, never
// `internal`; the socket closes only where the protocol says (1009 too big, 4002 a bad `auth`); and
// a refused frame stores nothing: every seq the room takes is confirmed to the sender, by an `ack`
// (a send) or a `message_updated` (an edit, a deletion, a reaction).

const RUNS = 150
/**
 * Frames a run sends: the fuzzed one, a ping, a resume, and the resumes of `balancedSeq` (one, and
 * one spare for a confirmation that trails). A socket takes FRAME_BURST at once.
 */
const FRAMES_PER_RUN = 5
const RUNS_PER_SOCKET = Math.floor(FRAME_BURST / FRAMES_PER_RUN) - 1

/** Each variant of ClientFrameSchema with its `type` (undefined: the seed's `{ message }` frame). */
const VARIANTS = ClientFrameSchema.pipe[0].options.map((schema) => {
  const type = schema.entries.type
  return { type: 'literal' in type ? (type.literal as string) : undefined, fields: Object.keys(schema.entries).filter((f) => f !== 'type') }
})

interface World {
  user: TestUser
  other: TestUser
  chatId: number
  /** Messages of `user` and of `other`: targets for edit, delete, react and reply_to. */
  messageSeqs: number[]
  /** Files `user` uploaded, on no message yet: the first send listing one claims it. */
  attachmentIds: string[]
}

/** A seq near the log's start: system messages, the world's messages, the run's own, none at all. */
const nearSeq = fc.nat(12)
/** One emoji and near misses: skin tone, ZWJ and flag sequences, two emoji, text, a lone joiner. */
const EMOJI = ['👍', '❤️', '😀', '👍🏽', '🏳️‍🌈', '👨‍👩‍👧', '🇫🇷', '👍👍', 'a', ':)', '\u200D', '❤', '1️⃣']

/** Valid values of every frame field, by name; a field missing here fails the coverage test. */
function validFields(world: World): Record<string, fc.Arbitrary<FuzzValue>> {
  return {
    client_id: fc.stringMatching(/^[\x21-\x7e]{1,64}$/),
    text: fc.string({ minLength: 1, maxLength: 50 }),
    message: fc.string({ minLength: 1, maxLength: 50 }),
    since: fc.nat(5),
    seq: fc.oneof(fc.constantFrom(...world.messageSeqs), nearSeq),
    token: fc.constantFrom(world.user.accessToken, world.other.accessToken),
    reply_to: fc.oneof(fc.constantFrom(...world.messageSeqs), nearSeq),
    attachments: fc.oneof<fc.Arbitrary<FuzzValue>[]>(
      fc.subarray(world.attachmentIds, { minLength: 1 }),
      fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), { maxLength: 11 }),
      fc.constant(world.attachmentIds.slice(0, 1).concat(world.attachmentIds.slice(0, 1))),
      fc.constant([]),
    ),
    emoji: fc.constantFrom(...EMOJI),
    on: fc.boolean(),
  }
}

const ENCODINGS = ['json', 'truncated', 'not-object', 'binary', 'bom', 'too-large', 'raw-lone-surrogate'] as const
type Encoding = (typeof ENCODINGS)[number]

interface GeneratedFrame {
  data: string | ArrayBuffer
  encoding: Encoding
  /** The frame claims to be an `auth` frame: a bad token may close the socket with 4002. */
  isAuth: boolean
}

function framesFor(variant: (typeof VARIANTS)[number], world: World): fc.Arbitrary<GeneratedFrame> {
  const valid = validFields(world)
  const body = objectOf(Object.fromEntries(variant.fields.map((f) => [f, valid[f]!])))
  const type = variant.type === undefined ? fc.constant(undefined) : fc.oneof({ arbitrary: fc.constant<FuzzValue>(variant.type), weight: 6 }, { arbitrary: anyValue, weight: 1 })
  const encoding = fc.oneof({ arbitrary: fc.constant<Encoding>('json'), weight: 8 }, { arbitrary: fc.constantFrom(...ENCODINGS), weight: 3 })
  return fc.record({ body, type, encoding, cut: fc.nat(), other: anyValue, garbage: anyString }).map(({ body, type, encoding, cut, other, garbage }) => {
    const frame = type === undefined ? body : { type, ...body }
    const json = toJsonText(frame)
    const data = ((): string | ArrayBuffer => {
      switch (encoding) {
        case 'json':
          return json
        case 'truncated':
          return json.slice(0, cut % Math.max(1, json.length))
        case 'not-object':
          return toJsonText(other)
        case 'binary':
          return new TextEncoder().encode(json).buffer as ArrayBuffer
        case 'bom':
          return `\uFEFF${json}`
        case 'too-large':
          return JSON.stringify({ ...frame, text: 'é'.repeat(MAX_FRAME_BYTES) })
        case 'raw-lone-surrogate':
          // Sent as is: the client's UTF-8 encoder turns the lone surrogate into U+FFFD.
          return `{"type":"send","text":"a${garbage}\uD800"}`
      }
    })()
    return { data, encoding, isAuth: type === 'auth' }
  })
}

/** One member's socket, replaced every RUNS_PER_SOCKET runs (flood control) and after any close. */
class Session {
  private socket: TestSocket | null = null
  private runs = 0
  lastSeq = 0
  /** The room's last seq when the current socket opened: every seq after it is this socket's doing. */
  baseSeq = 0

  constructor(private readonly world: World) {}

  async current(): Promise<TestSocket> {
    if (this.socket && this.runs < RUNS_PER_SOCKET) {
      this.runs += 1
      return this.socket
    }
    this.socket?.ws.close(1000)
    const s = await openSocket(this.world.chatId, this.world.user.accessToken)
    this.lastSeq = (await s.waitFor<ReadyFrame>((f) => f.type === 'ready')).last_seq
    this.baseSeq = this.lastSeq
    this.socket = s
    this.runs = 1
    return s
  }

  /** The socket closed under the run: the next run opens a new one (and proves the room answers). */
  lost(): void {
    this.socket = null
  }
}

/** Resolves with the close code, or null once `ready()` finds what it waits for. */
function settled(s: TestSocket, from: number, ready: (frames: ServerFrame[]) => boolean): Promise<number | null> {
  return Promise.race([s.closed, s.waitFor((f) => s.frames.indexOf(f) >= from && ready(s.frames.slice(from)), 10_000).then(() => null)])
}

/** A seq past any log: a `resume` from it replays nothing and just reports the last seq. */
const PAST_ANY_SEQ = 2 ** 52

/** The seqs confirmed on `frames` after `base`: non-duplicate acks and change broadcasts. */
function confirmedSeqs(frames: ServerFrame[], base: number): Set<number> {
  const seqs = new Set<number>()
  for (const f of frames) {
    if ((f.type === 'ack' && !f.duplicate) || f.type === 'message_updated') if (f.seq > base) seqs.add(f.seq)
  }
  return seqs
}

/**
 * Waits until every seq the room took since the socket opened is confirmed on it, asking the room's
 * last seq with a `resume` that replays nothing, and returns that seq. Frames of one socket run
 * concurrently once a handler awaits, so a write's confirmation may trail the run's `resumed`;
 * each round waits for one more answer from the room. A write never confirmed fails the run.
 */
async function balancedSeq(s: TestSocket, session: Session, where: string): Promise<number> {
  for (let round = 0; round < 20; round += 1) {
    const from = s.frames.length
    s.send({ type: 'resume', since: PAST_ANY_SEQ })
    const { last_seq } = await s.waitFor<ResumedFrame>((f) => f.type === 'resumed' && s.frames.indexOf(f) >= from, 10_000)
    if (last_seq - session.baseSeq === confirmedSeqs(s.frames, session.baseSeq).size) return last_seq
  }
  const confirmed = [...confirmedSeqs(s.frames, session.baseSeq)]
  throw new Error(`${where}: the room's seqs after ${session.baseSeq} are not all confirmed (confirmed: ${JSON.stringify(confirmed)})`)
}

async function runFrame(session: Session, generated: GeneratedFrame): Promise<void> {
  const s = await session.current()
  const from = s.frames.length
  const before = session.lastSeq
  s.ws.send(generated.data)
  s.send({ type: 'ping' })
  // Replays nothing: a replayed `message_updated` would pass for the confirmation of a change.
  s.send({ type: 'resume', since: PAST_ANY_SEQ })
  // An `auth` frame is answered after its token is verified, possibly after the pong and the
  // replay: with auth_ok, an error frame, or the 4002 close.
  const answered = (frames: ServerFrame[]) => !generated.isAuth || frames.some((f) => f.type === 'auth_ok' || f.type === 'error')
  // A frame past MAX_FRAME_BYTES must close the socket (1009), and that close can reach the client
  // after the ping's pong and the resume's answer: wait for the close itself.
  const mustClose = generated.encoding === 'too-large'
  const closed = await settled(s, from, (frames) => !mustClose && frames.some((f) => f.type === 'pong') && frames.some((f) => f.type === 'resumed') && answered(frames))
  const answers = s.frames.slice(from)
  const where = `${generated.encoding} ${typeof generated.data === 'string' ? generated.data.slice(0, 200) : 'binary'} -> ${JSON.stringify(answers).slice(0, 400)}`
  for (const f of answers) {
    if (f.type !== 'error') continue
    expect(isErrorCode(f.code) && ERROR_STATUS[f.code] < 500, where).toBe(true)
    expect(typeof f.message, where).toBe('string')
  }
  if (closed !== null) {
    const allowed = [...(generated.encoding === 'too-large' ? [CLOSE_CODES.tooBig] : []), ...(generated.isAuth ? [CLOSE_CODES.invalidToken] : [])]
    expect(allowed, `${where}: closed with ${closed}`).toContain(closed)
    session.lost()
    // The room still answers: a new socket's ping gets its pong.
    const fresh = await session.current()
    fresh.send({ type: 'ping' })
    await fresh.waitFor((f) => f.type === 'pong')
    expect(session.lastSeq - before, `${where}: seq moved without an ack`).toBeLessThanOrEqual(confirmedSeqs(answers, before).size)
    return
  }
  session.lastSeq = await balancedSeq(s, session, where)
}

describe('frame fuzz coverage', () => {
  it('has a valid value for every field of every frame type', () => {
    const someone = { id: 1, username: 'u', email: 'u@example.test', password: 'p', accessToken: 't', cookie: 'refresh_token=x' }
    const known = Object.keys(validFields({ user: someone, other: someone, chatId: 1, messageSeqs: [1], attachmentIds: ['a'] }))
    for (const variant of VARIANTS) for (const field of variant.fields) expect(known, `${variant.type ?? 'legacy'}: field "${field}" has no valid value`).toContain(field)
  })
})

describe('frame fuzz', () => {
  for (const variant of VARIANTS) {
    const name = variant.type === undefined ? "the seed's { message } frame" : `a "${variant.type}" frame`
    it(`answers ${name} of any shape without a crash, an internal error, an unlisted close or a write without an ack`, { timeout: fuzzTimeoutMs(RUNS) }, async () => {
      const [user, other] = await Promise.all([signUp('ffuzz'), signUp('ffuzz')])
      const chatId = await createGroup(user)
      await addToGroup(chatId, user, other)
      const messageSeqs = [await sendMessage(chatId, user, 'mine'), await sendMessage(chatId, other, 'theirs')]
      const uploads = await Promise.all([1, 2].map((seed) => uploadOk(user, chatId, pdfFile(100, seed))))
      const world = { user, other, chatId, messageSeqs, attachmentIds: uploads.map((u) => u.attachment_id) }
      const session = new Session(world)
      await fc.assert(
        fc.asyncProperty(framesFor(variant, world), (generated) => runFrame(session, generated)),
        fuzzParameters(RUNS),
      )
    })
  }
})
