import { defineConfig } from 'drizzle-kit'

// The room's SQLite, apart from D1's (../../../../drizzle.config.ts): its own schema and migrations,
// bundled into the worker (migrations.js imports the .sql files) and run by each room on start.
export default defineConfig({
  dialect: 'sqlite',
  driver: 'durable-sqlite',
  schema: './worker/rooms/object/log/schema.ts',
  out: './worker/rooms/object/log/migrations',
})
