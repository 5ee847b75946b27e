import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/errors'
import { createAction } from './action'

function deferred() {
  let resolve!: () => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

describe('createAction', () => {
  it('holds the key while the task runs and clears it after success', async () => {
    const action = createAction<number>()
    const task = deferred()
    const running = action.run(7, () => task.promise)
    expect(action.busy.value).toBe(7)
    task.resolve()
    expect(await running).toBe(true)
    expect(action.busy.value).toBeNull()
    expect(action.error.value).toBeNull()
  })

  // The sentences people see today (api/errors.ts): a refactor must not change them.
  it.each([
    ['a network failure', new ApiError('network', 'network error'), "Can't reach the server. Check your connection and try again."],
    ['a validation message written for people', new ApiError('invalid_request', 'Password must be at least 8 characters.', 400), 'Password must be at least 8 characters.'],
    ['a validation error without a message', new ApiError('invalid_request', '', 400), 'Something went wrong on our side. Please try again.'],
    ['a refused permission', new ApiError('forbidden', 'raw server text', 403), "You don't have permission to do that."],
    ['a lost membership', new ApiError('not_member', 'raw server text', 403), "You're not a member of this chat."],
    ['an ended session', new ApiError('invalid_token', 'raw server text', 401), 'Your session has ended. Please sign in again.'],
    ['a server fault', new ApiError('internal', 'stack trace here', 500), 'Something went wrong on our side. Please try again.'],
    ['a thrown Error', new Error('TypeError at line 3'), 'Something went wrong. Please try again.'],
    ['a thrown string', 'boom', 'Something went wrong. Please try again.'],
  ])('shows %s as a sentence for people and frees the control', async (_case, thrown, sentence) => {
    const action = createAction()
    expect(await action.run(true, () => Promise.reject(thrown))).toBe(false)
    expect(action.error.value).toBe(sentence)
    expect(action.busy.value).toBeNull()
  })

  it('clears the previous error when the next run starts', async () => {
    const action = createAction()
    await action.run(true, () => Promise.reject(new ApiError('network', 'x')))
    const task = deferred()
    const running = action.run(true, () => task.promise)
    expect(action.error.value).toBeNull()
    task.resolve()
    await running
  })

  it('refuses a second run while one is in flight', async () => {
    const action = createAction<number>()
    const first = deferred()
    const running = action.run(1, () => first.promise)
    let isSecondStarted = false
    expect(
      await action.run(2, async () => {
        isSecondStarted = true
      }),
    ).toBe(false)
    expect(isSecondStarted).toBe(false)
    expect(action.busy.value).toBe(1)
    first.resolve()
    await running
  })

  it('stays busy after success when the action leaves the page, but not after a failure', async () => {
    const action = createAction({ staysBusyOnSuccess: true })
    await action.run(true, () => Promise.reject(new ApiError('network', 'x')))
    expect(action.busy.value).toBeNull()
    expect(await action.run(true, async () => {})).toBe(true)
    expect(action.busy.value).toBe(true)
  })

  it('forgets the error on clearError', async () => {
    const action = createAction()
    await action.run(true, () => Promise.reject(new ApiError('network', 'x')))
    action.clearError()
    expect(action.error.value).toBeNull()
  })
})
