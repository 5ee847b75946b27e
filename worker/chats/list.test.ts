import { env } from 'cloudflare:workers'
import { inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { d1Db } from '../db/client'
import { users } from '../db/schema'
import { meterD1, readUsage } from '../metering/meter'
import { newGroup, newUser, rooms } from '../test/data-layer/fixtures'
import { addMember, openPrivateChat } from './chats'
import { listRowsOfChat } from './list'

// D1 bills rows read (meta.rows_read), and a new message runs this query once per notification
// window: it reads a member row and a user row per member (measured 2n + 1 for n online), never a
// scan of the chat per member, which made it (n + 1)² (docs/performance.md, "What a message costs").
describe('listRowsOfChat', () => {
  const db = d1Db(env.DB)
  meterD1(env.DB)

  async function rowsReadBy(run: () => Promise<unknown>): Promise<number> {
    const before = readUsage().d1.rowsRead
    await run()
    return readUsage().d1.rowsRead - before
  }

  async function groupOf(members: number) {
    const owner = await newUser(db, 'owner')
    const chatId = await newGroup(db, owner)
    const ids = [owner.id]
    for (let i = 1; i < members; i++) {
      const user = await newUser(db, 'member')
      await addMember(db, rooms, chatId, owner, user.id)
      ids.push(user.id)
    }
    await db.update(users).set({ online: true }).where(inArray(users.id, ids))
    return { chatId, ids }
  }

  it.each([[1], [2], [5], [20], [40]])('reads a bounded number of D1 rows per member of a group of %i, all online', async (members) => {
    const { chatId, ids } = await groupOf(members)
    let rows: Awaited<ReturnType<typeof listRowsOfChat>> = []
    const read = await rowsReadBy(async () => void (rows = await listRowsOfChat(db, chatId, null)))
    expect(rows.map((r) => r.userId).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b))
    expect(rows.every((r) => r.isGroup && r.peerId === null)).toBe(true)
    expect(read).toBeLessThanOrEqual(3 * members + 3)
  })

  it('reads a bounded number of D1 rows for named members of a group of 40', async () => {
    const { chatId, ids } = await groupOf(40)
    const named = ids.slice(0, 3)
    let rows: Awaited<ReturnType<typeof listRowsOfChat>> = []
    const read = await rowsReadBy(async () => void (rows = await listRowsOfChat(db, chatId, named)))
    expect(rows.map((r) => r.userId).sort((a, b) => a - b)).toEqual([...named].sort((a, b) => a - b))
    expect(read).toBeLessThanOrEqual(3 * named.length + 3)
  })

  it('gives each side of a 1:1 chat the other as peer', async () => {
    const [me, peer] = [await newUser(db, 'me'), await newUser(db, 'peer')]
    const { chatId } = await openPrivateChat(db, me, peer.id)
    await db.update(users).set({ online: true }).where(inArray(users.id, [me.id, peer.id]))
    const rows = await listRowsOfChat(db, chatId, null)
    expect(rows.map((r) => [r.userId, r.peerId]).sort((a, b) => a[0]! - b[0]!)).toEqual(
      [
        [me.id, peer.id],
        [peer.id, me.id],
      ].sort((a, b) => a[0]! - b[0]!),
    )
  })
})
