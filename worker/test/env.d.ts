// The test run adds one binding to the worker's Env; there is no second Env type.
declare namespace Cloudflare {
  type WorkerEnv = import('../env').Env
  interface Env extends WorkerEnv {
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
    /** worker/test/fuzz/settings.ts: empty = the defaults. */
    FUZZ_SEED?: string
    FUZZ_RUNS?: string
    FUZZ_PATH?: string
  }
  interface GlobalProps {
    mainModule: typeof import('../index')
  }
}
