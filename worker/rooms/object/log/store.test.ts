import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { addToGroup, createGroup, sendMessage, signUp } from '../../../test/helpers'
import { ChatRoom } from '../chat-room'
import migrations from './migrations/migrations.js'

// The schema rooms were created with before drizzle (hand-written, run on every start), verbatim.
const HAND_MADE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    sender_id INTEGER NOT NULL,
    sender TEXT NOT NULL,
    client_id TEXT,
    key_version INTEGER NOT NULL,
    iv BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL
  )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS messages_sender_client ON messages (sender_id, client_id) WHERE client_id IS NOT NULL`,
  `CREATE TABLE IF NOT EXISTS read_cursors (user_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS room_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
]
const TABLES = ['messages', 'read_cursors', 'room_meta'] as const
// Tables later migrations added: an old room has none of them.
const LATER_TABLES = ['removed_members', 'changes', 'reactions'] as const

function roomOf(chatId: number) {
  return env.CHAT_ROOM.getByName(String(chatId))
}

/** Columns (name, type, primary key) and indexes (name, unique, partial) of the log's tables. */
function shapeOf(sql: SqlStorage) {
  return [...TABLES, ...LATER_TABLES].map((table) => ({
    table,
    columns: sql.exec(`SELECT name, lower(type) AS type, pk FROM pragma_table_info('${table}') ORDER BY cid`).toArray(),
    indexes: sql.exec(`SELECT name, "unique", partial FROM pragma_index_list('${table}') WHERE origin = 'c' ORDER BY name`).toArray(),
  }))
}

describe('room log migrations', () => {
  it('adopt a room created by the hand-written schema: messages, cursors and dedupe kept, recorded once', async () => {
    const [a, b] = await Promise.all([signUp('adopt'), signUp('adopt')])
    const chatId = await createGroup(a)
    await addToGroup(chatId, a, b)
    for (const text of ['one', 'two', 'three']) await sendMessage(chatId, a, text, `c-${text}`)
    const newShape = await runInDurableObject(roomOf(chatId), (_instance, state) => shapeOf(state.storage.sql))

    const adopted = await runInDurableObject(roomOf(chatId), async (_instance, state) => {
      const sql = state.storage.sql
      // Rebuild this storage as an old room left it: same rows, old DDL, no migration record.
      const rows = Object.fromEntries(TABLES.map((t) => [t, sql.exec(`SELECT * FROM ${t}`).toArray()]))
      for (const t of [...TABLES, ...LATER_TABLES, '__drizzle_migrations']) sql.exec(`DROP TABLE ${t}`)
      for (const statement of HAND_MADE_SCHEMA) sql.exec(statement)
      for (const t of TABLES) {
        // Only the columns the old schema had; later migrations add the others.
        const old = new Set(sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('${t}')`).toArray().map((c) => c.name))
        for (const row of rows[t]!) {
          const columns = Object.keys(row).filter((c) => old.has(c))
          sql.exec(`INSERT INTO ${t} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, ...columns.map((c) => row[c]))
        }
      }
      const room = new ChatRoom(state, env)
      new ChatRoom(state, env) // a second start finds nothing left to apply
      const page = await room.history(null, 10)
      const unread = [(await room.summary(a.id)).unreadCount, (await room.summary(b.id)).unreadCount]
      const resent = await room.send({ userId: a.id, username: a.username }, 'two', 'c-two')
      const next = await room.send({ userId: a.id, username: a.username }, 'four', 'c-four')
      return {
        texts: page.messages.map((m) => [m.seq, m.message]),
        unread,
        resent: 'refused' in resent ? resent : [resent.message.seq, resent.duplicate],
        next: 'refused' in next ? next : [next.message.seq, next.duplicate],
        recorded: sql.exec('SELECT count(*) AS n FROM __drizzle_migrations').one().n,
        shape: shapeOf(sql),
      }
    })
    expect(adopted).toEqual({
      texts: [
        [1, 'one'],
        [2, 'two'],
        [3, 'three'],
      ],
      unread: [0, 3],
      resent: [2, true],
      next: [4, false],
      recorded: migrations.journal.entries.length,
      shape: newShape,
    })
  })
})
