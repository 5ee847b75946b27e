import { AppError } from '../errors'

/** Throws `rate_limited` (429) when `key` is over the limiter's budget. */
export async function enforceRateLimit(limiter: RateLimit, key: string, message: string): Promise<void> {
  const { success } = await limiter.limit({ key })
  if (!success) throw new AppError('rate_limited', message)
}
