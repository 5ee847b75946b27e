import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../env'

/** One Durable Object per chat (issue #3). */
export class ChatRoom extends DurableObject<Env> {}
