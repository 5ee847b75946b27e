// Usage counters for the benchmark's cost model (`npm run bench -- --only cost`, docs/performance.md
// "What a message costs"): what Cloudflare bills, counted inside the local runtime. Off unless the
// var BENCH_METER is "1", which only the bench sets (`wrangler dev --var`); nothing here runs, wraps
// or allocates otherwise. Counts only: no SQL text, parameters, payloads or ids are kept.
//
// Locally the worker and its Durable Objects share one isolate (one workerd service), so one set of
// module-level counters sees them all; the bench reads it through GET /bench/meter/ (`routes.ts`).

/** Billable usage since the isolate started, as the bench reads it (`GET /bench/meter/`). */
export interface Usage {
  /** D1 statements and rows, from each response's `meta.rows_read` / `meta.rows_written` (D1 bills rows). */
  d1: { queries: number; rowsRead: number; rowsWritten: number }
  /** Rows of Durable Objects' SQLite storage, from each cursor's `rowsRead` / `rowsWritten` (billed like D1). */
  sql: { rowsRead: number; rowsWritten: number }
  /** Per Durable Object class: billed requests by kind, and active milliseconds (see `Activity`). */
  objects: Record<string, ObjectUsage>
  /**
   * The rooms' group commits (`log/commit.ts`): how many, the messages they stored, and how many
   * stored 1, 2, 3-4, 5-8, 9-16, 17-32 and more messages (BATCH_BUCKETS). Not billed: it says whether
   * batches form, which decides what a commit costs per message (docs/performance.md).
   */
  batches: { commits: number; messages: number; histogram: number[] }
}

/** Upper bounds of the batch-size histogram's buckets; the last bucket holds every larger batch. */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, Infinity]

export interface ObjectUsage {
  /** `fetch` calls: the socket upgrades. */
  fetches: number
  /** RPC method calls: each is one billed request. */
  rpcs: number
  /** Incoming WebSocket messages (billed 20:1). */
  wsMessages: number
  /** Close and error events of sockets, and alarms (an alarm is billed as a request; closes are not). */
  closes: number
  alarms: number
  /** Wall milliseconds during which an object of this class had an event in flight or a timer holding it awake. */
  activeMs: number
  /** The newest `databaseSize` (bytes) of each object's SQLite, summed over the objects seen. */
  storedBytes: number
}

/** Whether this environment counts usage: the var BENCH_METER is exactly "1". */
export function isMetering(env: { BENCH_METER?: string }): boolean {
  return env.BENCH_METER === '1'
}

const usage: Usage = {
  d1: { queries: 0, rowsRead: 0, rowsWritten: 0 },
  sql: { rowsRead: 0, rowsWritten: 0 },
  objects: {},
  batches: { commits: 0, messages: 0, histogram: BATCH_BUCKETS.map(() => 0) },
}

/** A copy of the counters, with every object's active time brought up to now. */
export function readUsage(nowMs = Date.now()): Usage {
  const objects: Record<string, ObjectUsage> = {}
  for (const [name, u] of Object.entries(usage.objects)) objects[name] = { ...u, activeMs: u.activeMs }
  for (const activity of activities.values()) objects[activity.className]!.activeMs += activity.openMs(nowMs)
  for (const activity of activities.values()) objects[activity.className]!.storedBytes += activity.storedBytes
  return { d1: { ...usage.d1 }, sql: { ...usage.sql }, objects, batches: { ...usage.batches, histogram: [...usage.batches.histogram] } }
}

/** One group commit of `messages` messages by `ctx`'s room; counted only for a metered object. */
export function meterBatch(ctx: DurableObjectState, messages: number): void {
  if (!activities.has(ctx)) return
  usage.batches.commits += 1
  usage.batches.messages += messages
  usage.batches.histogram[BATCH_BUCKETS.findIndex((bound) => messages <= bound)]! += 1
}

// D1: the binding posts each statement (or batch) to its fetcher and reads `meta` from the JSON it
// gets back; drizzle reads most results through `raw()`, which drops that meta. So the fetcher is
// wrapped and the meta read from a clone of the response. `alwaysPrimarySession.fetcher` is the
// workerd D1 binding's own field (workerd 1.20260426.1); without it D1 is simply not counted.
const meteredD1 = new WeakSet<object>()

interface D1Internals {
  alwaysPrimarySession?: { fetcher?: Fetcher }
}

/** Counts the rows of every statement run through `binding` from now on (idempotent). */
export function meterD1(binding: D1Database): void {
  if (meteredD1.has(binding)) return
  meteredD1.add(binding)
  const session = (binding as unknown as D1Internals).alwaysPrimarySession
  const fetcher = session?.fetcher
  if (!session || !fetcher) return
  session.fetcher = {
    ...fetcher,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetcher.fetch(input, init)
      await countD1(response.clone())
      return response
    },
  } as Fetcher
}

async function countD1(response: Response): Promise<void> {
  try {
    const body: unknown = await response.json()
    for (const result of Array.isArray(body) ? body : [body]) {
      const meta = (result as { meta?: { rows_read?: number; rows_written?: number } } | null)?.meta
      if (!meta) continue
      usage.d1.queries += 1
      usage.d1.rowsRead += meta.rows_read ?? 0
      usage.d1.rowsWritten += meta.rows_written ?? 0
    }
  } catch {}
}

// Durable Object SQLite: a cursor's row counts grow while it is read, and every query of ours is
// read to the end in the same synchronous step, so cursors are summed on the next microtask.
let sqlPatched = false
let pendingCursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = []

function meterSql(sql: SqlStorage): void {
  if (sqlPatched) return
  sqlPatched = true
  const proto = Object.getPrototypeOf(sql) as SqlStorage
  const exec = proto.exec
  proto.exec = function meteredExec(this: SqlStorage, query: string, ...bindings: unknown[]) {
    const cursor = exec.call(this, query, ...bindings)
    if (pendingCursors.length === 0) queueMicrotask(foldCursors)
    pendingCursors.push(cursor)
    return cursor
  } as SqlStorage['exec']
}

function foldCursors(): void {
  for (const cursor of pendingCursors) {
    usage.sql.rowsRead += cursor.rowsRead
    usage.sql.rowsWritten += cursor.rowsWritten
  }
  pendingCursors = []
}

/**
 * When an object is billed for duration: while an event handler runs (a request, RPC, socket message
 * or alarm, including its awaits) or while it cannot hibernate because a timer is pending. An idle
 * object whose sockets are hibernatable is not billed, even before it is evicted (Durable Objects
 * pricing, "Compute billing"). Intervals of one object are merged, so overlapping events count once.
 */
class Activity {
  inFlight = 0
  from: number | null = null
  until = 0
  storedBytes = 0
  constructor(readonly className: string) {}

  start(nowMs: number): void {
    this.open(nowMs)
    this.inFlight += 1
  }

  end(nowMs: number): void {
    this.inFlight -= 1
    this.until = Math.max(this.until, nowMs)
  }

  hold(nowMs: number, ms: number): void {
    this.open(nowMs)
    this.until = Math.max(this.until, nowMs + ms)
  }

  /** Active time of the interval still open, up to now (0 when closed). */
  openMs(nowMs: number): number {
    if (this.from === null) return 0
    return (this.inFlight > 0 ? nowMs : Math.min(nowMs, this.until)) - this.from
  }

  private open(nowMs: number): void {
    if (this.from !== null && (this.inFlight > 0 || nowMs <= this.until)) return
    if (this.from !== null) usage.objects[this.className]!.activeMs += this.until - this.from
    this.from = nowMs
    this.until = nowMs
  }
}

const activities = new Map<DurableObjectState, Activity>()
const patchedClasses = new WeakSet<object>()
const HANDLERS: Record<string, keyof ObjectUsage> = { fetch: 'fetches', webSocketMessage: 'wsMessages', webSocketClose: 'closes', webSocketError: 'closes', alarm: 'alarms' }

/**
 * Counts the requests and active time of `object` (call from its constructor). The class's own
 * methods are wrapped once per isolate on its prototype, where the runtime looks up handlers and RPC
 * methods; every method but the handlers and `internal` (TypeScript-private methods, which are
 * prototype methods the runtime cannot tell apart) counts as an RPC.
 */
export function meterObject(object: object, ctx: DurableObjectState, className: string, internal: string[] = []): void {
  usage.objects[className] ??= { fetches: 0, rpcs: 0, wsMessages: 0, closes: 0, alarms: 0, activeMs: 0, storedBytes: 0 }
  activities.set(ctx, new Activity(className))
  meterSql(ctx.storage.sql)
  // From the instance's class up to (not including) the runtime's DurableObject: a dev harness may
  // subclass ours. Only the most derived definition of a name is wrapped, so a `super` call is not
  // counted twice.
  const seen = new Set<string>()
  for (let proto = Object.getPrototypeOf(object) as Record<string, unknown> | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as Record<string, unknown> | null) {
    // By name: importing `cloudflare:workers` here would break db/client.ts in Node (the libSQL tests).
    if ((proto.constructor as { name?: string } | undefined)?.name === 'DurableObject') break
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || internal.includes(name) || seen.has(name)) continue
      seen.add(name)
      if (!patchedClasses.has(proto)) wrapMethod(proto, name, className)
    }
    patchedClasses.add(proto)
  }
}

function wrapMethod(proto: Record<string, unknown>, name: string, className: string): void {
  const original = proto[name]
  if (typeof original !== 'function') return
  const kind = HANDLERS[name] ?? 'rpcs'
  // `ctx` is the DurableObject base class's (protected) field.
  proto[name] = function metered(this: { ctx: DurableObjectState }, ...args: unknown[]) {
    const counts = usage.objects[className]!
    ;(counts[kind] as number) += 1
    const activity = activities.get(this.ctx)
    activity?.start(Date.now())
    const done = () => {
      if (!activity) return
      activity.end(Date.now())
      activity.storedBytes = this.ctx.storage.sql.databaseSize
    }
    try {
      const result: unknown = (original as (...a: unknown[]) => unknown).apply(this, args)
      if (result instanceof Promise) return result.finally(done)
      done()
      return result
    } catch (err) {
      done()
      throw err
    }
  }
}

/** `ctx`'s object cannot hibernate for the next `ms` (a pending timer): billed as active. */
export function holdAwake(ctx: DurableObjectState, ms: number): void {
  activities.get(ctx)?.hold(Date.now(), ms)
}
