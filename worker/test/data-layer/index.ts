import { describe } from 'vitest'
import { accountSuite } from './account'
import { accountsSuite } from './accounts'
import { chatsSuite } from './chats'
import type { OpenDb } from './fixtures'
import { listSuite } from './list'
import { membershipSuite } from './membership'
import { refreshTokensSuite } from './refresh-tokens'
import { sessionsSuite } from './sessions'

/**
 * The data layer's tests, written once and run against each relational store the worker supports:
 * D1 inside workerd (`d1.test.ts`) and a libSQL file in Node (`libsql.test.ts`). `openDb` gives the
 * store; tests make their own users and chats, so they share it safely.
 */
export function describeDataLayer(driver: string, openDb: OpenDb) {
  describe(`data layer on ${driver}`, () => {
    accountsSuite(openDb)
    refreshTokensSuite(openDb)
    sessionsSuite(openDb)
    chatsSuite(openDb)
    membershipSuite(openDb)
    listSuite(openDb)
    accountSuite(openDb)
  })
}
