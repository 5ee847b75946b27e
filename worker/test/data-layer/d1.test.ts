import { env } from 'cloudflare:workers'
import { d1Db } from '../../db/client'
import { describeDataLayer } from '.'
import { useRooms } from './fixtures'

// Migrations are applied by the workerd project's setup file (apply-migrations.ts). Membership
// changes reach the real rooms here; the libSQL run (Node) has none.
useRooms(env.CHAT_ROOM)
describeDataLayer('D1', () => d1Db(env.DB))
