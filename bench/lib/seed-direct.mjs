// The faster seeding path for the history scenario. Through the real path a room stores about 150-250
// messages/s here (one SQLite commit per message), so 100,000 would take 7-11 minutes. Instead, with
// the app stopped, rows are appended straight into the room's own SQLite file in the persisted
// workerd state, built exactly as worker/rooms/object/log/seal.ts + worker/crypto/aead.ts build them:
// next seq, a random UUID, the sender of the rows already stored, AES-256-GCM under the current key
// of MESSAGE_KEYS (.dev.vars) with a fresh 96-bit IV and AAD "chat=<id>|seq=<seq>|key=v<version>",
// ciphertext with the 16-byte tag appended (WebCrypto's layout). The scenario then restarts the app and
// checks that the real history route decrypts the page (no `message: null`).
import { createClient } from '@libsql/client'
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'

const BATCH_ROWS = 5000

/** The current (first) key of MESSAGE_KEYS in .dev.vars: { version, key }. */
function currentKey(appRoot) {
  const vars = readFileSync(path.join(appRoot, '.dev.vars'), 'utf8')
  const spec = /^MESSAGE_KEYS="?([^"\n]+)"?/m.exec(vars)?.[1]
  const first = spec && /^v(\d+):([A-Za-z0-9+/=_-]+)/.exec(spec.split(',')[0].trim())
  if (!first) throw new Error('seed-direct: MESSAGE_KEYS not found in .dev.vars')
  return { version: Number(first[1]), key: Buffer.from(first[2], 'base64') }
}

/** Path of the SQLite file of the ChatRoom object serving `chatId` (room_meta pins it). */
async function findRoomFile(persistDir, chatId) {
  const doDir = path.join(persistDir, 'v3', 'do')
  for (const dir of readdirSync(doDir).filter((d) => d.endsWith('ChatRoom'))) {
    for (const file of readdirSync(path.join(doDir, dir)).filter((f) => f.endsWith('.sqlite'))) {
      const full = path.join(doDir, dir, file)
      const db = createClient({ url: `file:${full}` })
      try {
        const rows = await db.execute("SELECT value FROM room_meta WHERE key = 'chat_id'")
        if (Number(rows.rows[0]?.value) === chatId) return full
      } catch {
      } finally {
        db.close()
      }
    }
  }
  throw new Error(`seed-direct: no ChatRoom SQLite file for chat ${chatId} under ${doDir}`)
}

export async function appendRows(appRoot, persistDir, chatId, total, textChars = 100) {
  const file = await findRoomFile(persistDir, chatId)
  const { version, key } = currentKey(appRoot)
  const db = createClient({ url: `file:${file}` })
  try {
    const last = (await db.execute('SELECT seq, sender_id, sender FROM messages ORDER BY seq DESC LIMIT 1')).rows[0]
    if (!last) throw new Error('seed-direct: the room has no message to take the sender from; seed some through the real path first')
    const text = Buffer.from('x'.repeat(textChars))
    let seq = Number(last.seq)
    while (seq < total) {
      const statements = []
      for (let i = 0; i < BATCH_ROWS && seq < total; i++) {
        seq++
        const iv = randomBytes(12)
        const cipher = createCipheriv('aes-256-gcm', key, iv)
        cipher.setAAD(Buffer.from(`chat=${chatId}|seq=${seq}|key=v${version}`))
        const ciphertext = Buffer.concat([cipher.update(text), cipher.final(), cipher.getAuthTag()])
        statements.push({
          sql: 'INSERT INTO messages (seq, id, sender_id, sender, client_id, key_version, iv, ciphertext, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          args: [seq, randomUUID(), last.sender_id, last.sender, `direct-${seq}`, version, iv, ciphertext, Date.now()],
        })
      }
      await db.batch(statements, 'write')
    }
    return { file: path.relative(persistDir, file), last_seq: seq }
  } finally {
    db.close()
  }
}
