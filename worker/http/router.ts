import { Hono } from 'hono'
import type { AppEnv } from '../env'

/** Every feature router starts here, so they all share AppEnv and strict trailing-slash paths. */
export function createRouter() {
  return new Hono<AppEnv>()
}
