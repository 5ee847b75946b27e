import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { configDefaults, defineConfig } from 'vitest/config'

// The data-layer suite's Node runner; every other worker test runs inside workerd.
const LIBSQL_TESTS = 'worker/test/data-layer/libsql.test.ts'

// Secrets for the test run only: random per run, never written to disk.
function randomBase64(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64')
}

// Four projects in one run: the worker and protocol inside workerd; the data-layer suite again in
// Node against a libSQL file (worker/test/data-layer/); the repository scripts' logic (scripts/); and
// the web client's browser-less logic (state, api, utils) in plain Node. UI behaviour is tested in Chromium (web/e2e/).
export default defineConfig(async () => {
  // The worker's assets binding needs its directory to exist; worker tests don't need the built client.
  mkdirSync(path.join(import.meta.dirname, 'dist'), { recursive: true })
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'))
  return {
    test: {
      // The worker logs a JSON line per request; show a test's logs only when it fails. Root level:
      // the reporters read `silent` from the root config (vitest 4.1), not from a project's.
      silent: 'passed-only' as const,
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: './worker/index.ts',
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  JWT_SECRET: randomBase64(32),
                  MESSAGE_KEYS: `v2:${randomBase64(32)},v1:${randomBase64(32)}`,
                  ADMIN_TOKEN: randomBase64(32),
                  // Real argon2id, cheap parameters: the default cost is proven in passwords.test.ts and measured in docs/.
                  PASSWORD_HASH_PARAMS: 'm=64,t=1,p=1',
                  // The fuzz suite's seed, runs per property and replay path (worker/test/fuzz/settings.ts).
                  FUZZ_SEED: process.env.FUZZ_SEED ?? '',
                  FUZZ_RUNS: process.env.FUZZ_RUNS ?? '',
                  FUZZ_PATH: process.env.FUZZ_PATH ?? '',
                },
              },
            }),
          ],
          test: {
            name: 'workerd',
            include: ['worker/**/*.test.ts', 'protocol/**/*.test.ts'],
            exclude: [...configDefaults.exclude, LIBSQL_TESTS],
            setupFiles: ['./worker/test/apply-migrations.ts'],
          },
        },
        {
          test: {
            name: 'libsql',
            include: [LIBSQL_TESTS],
            environment: 'node',
          },
        },
        {
          test: {
            name: 'scripts',
            include: ['scripts/**/*.test.mjs'],
            environment: 'node',
          },
        },
        {
          test: {
            name: 'web',
            include: ['web/src/**/*.test.ts'],
            environment: 'node',
          },
        },
      ],
    },
  }
})
