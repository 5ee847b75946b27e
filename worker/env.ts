import type { Config } from './config'
import type { Db } from './db/client'
import type { UserHub } from './live/object/user-hub'
import type { ChatRoom } from './rooms/object/chat-room'
import type { FanOutShard } from './rooms/shard/fan-out-shard'

/**
 * Every binding, var and secret the worker reads. wrangler.toml and this type change together. Code
 * reads vars and secrets only through Config (config.ts, `c.var.config`), parsed once per isolate.
 */
export interface Env {
  DB: D1Database
  CHAT_ROOM: DurableObjectNamespace<ChatRoom>
  /** One hub per user: their live channels and presence (worker/live/). */
  USER_HUB: DurableObjectNamespace<UserHub>
  /** Fan-out shards of large groups, named `<chatId>:<index>` (worker/rooms/shard/). */
  FAN_OUT_SHARD: DurableObjectNamespace<FanOutShard>
  ASSETS: Fetcher
  /** 10 login attempts per account per minute. */
  LOGIN_LIMITER: RateLimit
  /** 20 invite-link joins (POST /join/<code>/) per user and per client IP per minute. */
  JOIN_LIMITER: RateLimit
  /** 30 attachment uploads per user per minute. */
  UPLOAD_LIMITER: RateLimit
  /** Private R2 bucket of attachments, each object a file encrypted in chunks (worker/attachments/). */
  FILES: R2Bucket
  /** Which build is running (`[version_metadata]`): id, tag, timestamp. Reported by GET /health. */
  CF_VERSION_METADATA: WorkerVersionMetadata
  /** Secret: HS256 key for access tokens, at least 32 bytes (base64/base64url encoded). */
  JWT_SECRET: string
  /** Secret: "v2:<base64 key>,v1:<base64 key>", newest first; 32-byte AES-256-GCM keys. */
  MESSAGE_KEYS: string
  /** Secret, optional: the bearer token of the operator's routes (`/admin/`); unset = those routes are off. At least 32 random bytes, base64. */
  ADMIN_TOKEN?: string
  /** Var: comma-separated extra origins allowed to call the API and open sockets. */
  ALLOWED_ORIGINS?: string
  /** Var: overrides the argon2id cost ("m=19456,t=2,p=1"); only tests lower it. */
  PASSWORD_HASH_PARAMS?: string
  /** Var: a libSQL database ("libsql://<db>.turso.io") used instead of DB when set (docs/configuration.md). */
  LIBSQL_URL?: string
  /** Secret: the bearer token for LIBSQL_URL; required unless LIBSQL_URL is localhost. */
  LIBSQL_AUTH_TOKEN?: string
  /** Var: largest attachment in bytes (decimal); default 10 MiB. */
  MAX_ATTACHMENT_BYTES?: string
  /** Var: seconds an uploaded attachment may wait for a message to claim it; default 3600. */
  ATTACHMENT_CLAIM_SECONDS?: string
  /** Var: members per fan-out shard of a large group (default 2,000); a group with more spreads its sockets over shards. */
  ROOM_SHARD_MEMBERS?: string
  /** Var, dev only: "1" turns on the bench's usage counters and GET /bench/meter/ (worker/metering/); never set in wrangler.toml. */
  BENCH_METER?: string
}

/** Who the access token says is calling. */
export interface AuthUser {
  id: number
  username: string
  /** The login (session) the token was issued for. */
  sessionId: string
  /** Seconds since the epoch, from the token's `exp`. */
  expiresAt: number
}

export type AppEnv = {
  Bindings: Env
  Variables: {
    user: AuthUser
    db: Db
    requestId: string
    config: Config
    /** The account a sign-in, sign-up or refresh acted for, once known: the request log's `user_id` without a token. */
    accountId: number
  }
}
