import { describe, expect, it } from 'vitest'
import { singleFlight } from './single-flight'

describe('singleFlight', () => {
  it('shares one run between concurrent callers', async () => {
    let runs = 0
    const task = singleFlight(async () => {
      runs++
      await new Promise((r) => setImmediate(r))
      return runs
    })
    expect(await Promise.all([task(), task(), task()])).toEqual([1, 1, 1])
    expect(runs).toBe(1)
  })

  it('runs again once the previous run has settled, also after a failure', async () => {
    let runs = 0
    const task = singleFlight(async () => {
      runs++
      if (runs === 1) throw new Error('first fails')
      return runs
    })
    await expect(task()).rejects.toThrow('first fails')
    expect(await task()).toBe(2)
  })
})
