import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { importTs } from './import-ts.mjs'

const { createLoadable } = await importTs('../src/state/loadable.ts')

function deferred() {
  let resolve, reject
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

describe('createLoadable', () => {
  it('drops an older answer that arrives after a newer one', async () => {
    const list = createLoadable([])
    const older = deferred()
    const newer = deferred()
    const first = list.load(() => older.promise)
    const second = list.load(() => newer.promise)
    newer.resolve(['new'])
    await second
    older.resolve(['old'])
    await first
    assert.deepEqual(list.value.value, ['new'])
    assert.equal(list.status.value, 'ready')
  })

  it('keeps a shown list ready through a failed refresh, but reports the failure', async () => {
    const list = createLoadable([])
    await list.load(async () => ['a'])
    const refresh = deferred()
    const pending = list.load(() => refresh.promise, { refresh: true })
    assert.equal(list.status.value, 'ready')
    refresh.reject(Object.assign(new Error('down'), { code: 'network' }))
    await pending
    assert.deepEqual(list.value.value, ['a'])
    assert.equal(list.status.value, 'ready')
    assert.equal(typeof list.error.value, 'string')
  })

  it('shows loading then error for a first load that fails, and reset forgets everything', async () => {
    const list = createLoadable([])
    const failing = deferred()
    const pending = list.load(() => failing.promise)
    assert.equal(list.status.value, 'loading')
    failing.reject(new Error('boom'))
    await pending
    assert.equal(list.status.value, 'error')
    list.reset()
    assert.equal(list.status.value, 'idle')
    assert.equal(list.error.value, null)
  })
})
