import { describe, expect, it } from 'vitest'
import { createSession, rotateRefreshToken } from '../../auth/refresh-tokens'
import { listSessions, revokeAllSessions, revokeUserSession } from '../../auth/sessions'
import { codeOf, newUser, type OpenDb } from './fixtures'

export function sessionsSuite(openDb: OpenDb) {
  describe('listSessions', () => {
    it('lists the live logins, most recently used first, marking the current one', async () => {
      const db = openDb()
      const now = Date.now()
      const user = await newUser(db, 'sess', now - 3000)
      const phone = await createSession(db, user.id, 'phone', now - 2000)
      const revoked = await createSession(db, user.id, 'old laptop', now - 1000)
      await revokeUserSession(db, user.id, revoked.sessionId)
      const list = await listSessions(db, user.id, phone.sessionId, now)
      expect(list.map((s) => [s.id, s.current, s.user_agent])).toEqual([
        [phone.sessionId, true, 'phone'],
        [user.sessionId, false, 'data-layer test'],
      ])
    })

    it('leaves out logins that have expired', async () => {
      const db = openDb()
      const user = await newUser(db, 'sess', Date.UTC(2020, 0, 1))
      expect(await listSessions(db, user.id, user.sessionId)).toEqual([])
    })
  })

  describe('revokeUserSession', () => {
    it("answers not_found for someone else's login and leaves it working", async () => {
      const db = openDb()
      const [me, other] = [await newUser(db), await newUser(db)]
      expect(await codeOf(revokeUserSession(db, me.id, other.sessionId))).toBe('not_found')
      await expect(rotateRefreshToken(db, other.refreshToken, undefined)).resolves.toMatchObject({ sessionId: other.sessionId })
    })

    it('ends one of my logins and answers not_found the second time', async () => {
      const db = openDb()
      const me = await newUser(db)
      await revokeUserSession(db, me.id, me.sessionId)
      expect(await codeOf(rotateRefreshToken(db, me.refreshToken, undefined))).toBe('invalid_token')
      expect(await codeOf(revokeUserSession(db, me.id, me.sessionId))).toBe('not_found')
    })
  })

  describe('revokeAllSessions', () => {
    it("ends every login of the user and nobody else's", async () => {
      const db = openDb()
      const [me, other] = [await newUser(db), await newUser(db)]
      const second = await createSession(db, me.id, 'tablet')
      await revokeAllSessions(db, me.id)
      expect(await codeOf(rotateRefreshToken(db, me.refreshToken, undefined))).toBe('invalid_token')
      expect(await codeOf(rotateRefreshToken(db, second.token, undefined))).toBe('invalid_token')
      expect(await listSessions(db, me.id, me.sessionId)).toEqual([])
      expect(await listSessions(db, other.id, other.sessionId)).toHaveLength(1)
    })
  })
}
