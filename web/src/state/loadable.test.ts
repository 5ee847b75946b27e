import { describe, expect, it } from 'vitest'
import { ApiError, describeError } from '../api/errors'
import { createLoadable } from './loadable'

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

describe('createLoadable', () => {
  it('drops an older answer that arrives after a newer one', async () => {
    const list = createLoadable<string[]>([])
    const older = deferred<string[]>()
    const newer = deferred<string[]>()
    const first = list.load(() => older.promise)
    const second = list.load(() => newer.promise)
    newer.resolve(['new'])
    await second
    older.resolve(['old'])
    await first
    expect(list.value.value).toEqual(['new'])
    expect(list.status.value).toBe('ready')
  })

  it('keeps a shown list ready through a failed refresh, but reports the failure', async () => {
    const list = createLoadable<string[]>([])
    await list.load(async () => ['a'])
    const refresh = deferred<string[]>()
    const pending = list.load(() => refresh.promise, { refresh: true })
    expect(list.status.value).toBe('ready')
    const down = new ApiError('network', 'down')
    refresh.reject(down)
    await pending
    expect(list.value.value).toEqual(['a'])
    expect(list.status.value).toBe('ready')
    expect(list.error.value).toBe(describeError(down))
  })

  it('shows loading then error for a first load that fails, and reset forgets everything', async () => {
    const list = createLoadable<string[]>([])
    const failing = deferred<string[]>()
    const pending = list.load(() => failing.promise)
    expect(list.status.value).toBe('loading')
    failing.reject(new Error('boom'))
    await pending
    expect(list.status.value).toBe('error')
    list.reset()
    expect(list.status.value).toBe('idle')
    expect(list.error.value).toBeNull()
  })
})
