import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { AppError } from '../errors'
import { createGroup, signUp } from '../test/helpers'
import { requireMember } from './membership'

async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise
    return null
  } catch (err) {
    return err instanceof AppError ? err.code : 'thrown'
  }
}

describe('requireMember', () => {
  it('returns the chat and role of a member', async () => {
    const owner = await signUp('owner')
    const chatId = await createGroup(owner, 'private')
    const membership = await requireMember(getDb(env.DB), chatId, owner.id, 'admin')
    expect(membership).toMatchObject({ userId: owner.id, role: 'owner', chat: { id: chatId, isGroup: true, visibility: 'private' } })
  })

  it('throws not_found, not_member and forbidden in that order of checks', async () => {
    const [owner, member, stranger] = await Promise.all([signUp('owner'), signUp('member'), signUp('stranger')])
    const chatId = await createGroup(owner)
    const db = getDb(env.DB)
    await env.DB.prepare(`INSERT INTO chat_members (chat_id, user_id, role, joined_at_ms) VALUES (?, ?, 'member', 0)`).bind(chatId, member.id).run()
    expect(await codeOf(requireMember(db, 999999, owner.id))).toBe('not_found')
    expect(await codeOf(requireMember(db, chatId, stranger.id))).toBe('not_member')
    expect(await codeOf(requireMember(db, chatId, member.id, 'admin'))).toBe('forbidden')
    expect(await codeOf(requireMember(db, chatId, member.id))).toBeNull()
  })
})
