import { createClient, type Client } from '@libsql/client'
import { drizzle } from 'drizzle-orm/libsql'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { migrateLibsql } from '../../../scripts/migrate-libsql.mjs'
import type { Db } from '../../db/client'
import * as schema from '../../db/schema'
import { describeDataLayer } from '.'

// Runs in Node (vitest project `libsql`): a fresh libSQL database file for this test file, built by
// the same migrator `npm run db:migrate:libsql` uses. The worker reaches libSQL over HTTP
// (`@libsql/client/web`), which needs a server; drizzle's session and SQL are the same either way.
let dir: string
let client: Client
let db: Db

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'edge-chat-libsql-'))
  const url = pathToFileURL(path.join(dir, 'chat.db')).href
  await migrateLibsql({ url })
  client = createClient({ url })
  db = drizzle(client, { schema })
})

afterAll(() => {
  client?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

it('applies each migration once, so a second run changes nothing', async () => {
  const url = pathToFileURL(path.join(dir, 'chat.db')).href
  const applied = await migrateLibsql({ url })
  expect(applied).toBeGreaterThan(0)
  await expect(migrateLibsql({ url })).resolves.toBe(applied)
})

describeDataLayer('libSQL', () => db)
