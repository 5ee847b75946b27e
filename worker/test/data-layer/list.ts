import { describe, expect, it } from 'vitest'
import { addMember, openPrivateChat, removeMember } from '../../chats/chats'
import { listChatRows } from '../../chats/list'
import { newGroup, newUser, rooms, type OpenDb } from './fixtures'

export function listSuite(openDb: OpenDb) {
  describe('listChatRows', () => {
    it("lists the user's groups with their role and 1:1 chats with the peer, and nothing else", async () => {
      const db = openDb()
      const [me, peer, owner] = [await newUser(db, 'me'), await newUser(db, 'peer'), await newUser(db, 'owner')]
      const mine = await newGroup(db, me, 'private')
      const theirs = await newGroup(db, owner)
      const left = await newGroup(db, owner)
      await newGroup(db, owner)
      await addMember(db, rooms, theirs, owner, me.id)
      await addMember(db, rooms, left, owner, me.id)
      await removeMember(db, rooms, left, me, null)
      const { chatId: direct } = await openPrivateChat(db, me, peer.id)
      const rows = await listChatRows(db, me.id)
      expect(rows.sort((a, b) => a.chatId - b.chatId)).toEqual(
        [
          { chatId: mine, isGroup: true, visibility: 'private', role: 'owner', peerId: null, peerName: null },
          { chatId: theirs, isGroup: true, visibility: 'public', role: 'member', peerId: null, peerName: null },
          { chatId: direct, isGroup: false, visibility: null, name: null, role: 'member', peerId: peer.id, peerName: peer.username },
        ]
          .sort((a, b) => a.chatId - b.chatId)
          .map((row) => expect.objectContaining({ ...row, joinedAtMs: expect.any(Number) })),
      )
      const peerRows = await listChatRows(db, peer.id)
      expect(peerRows).toEqual([expect.objectContaining({ chatId: direct, peerId: me.id, peerName: me.username })])
      expect(await listChatRows(db, 2 ** 31 - 1)).toEqual([])
    })
  })
}
