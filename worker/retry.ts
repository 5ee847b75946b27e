/**
 * Runs `run` up to `attempts` times (at least once), with no wait between tries: for idempotent calls
 * to Durable Objects after a D1 change has committed, where a transient failure (an object being
 * reset or moved) usually passes on the next try. Resolves with null once a try succeeded, or with
 * the last try's error; never rejects, so the caller decides how to log it.
 */
export async function withRetries(run: () => Promise<unknown>, attempts: number): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run()
      return null
    } catch (err) {
      if (attempt >= attempts) return err
    }
  }
}
