import { app } from './app'
import { collectUnclaimed } from './attachments/cleanup'
import { loadConfig } from './config'
import { dbForEnv } from './db/for-env'
import type { Env } from './env'

export default {
  fetch: app.fetch,
  /** The cron (`[triggers] crons` in wrangler.toml): deletes attachments no message claimed in time. */
  async scheduled(controller, env) {
    await collectUnclaimed(env, await dbForEnv(env), await loadConfig(env), controller.scheduledTime)
  },
} satisfies ExportedHandler<Env>
export { ChatRoom } from './rooms/object/chat-room'
export { UserHub } from './live/object/user-hub'
export { FanOutShard } from './rooms/shard/fan-out-shard'
