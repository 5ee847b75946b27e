import { env } from 'cloudflare:workers'
import { d1Db } from '../../db/client'
import { describeDataLayer } from '.'

// Migrations are applied by the workerd project's setup file (apply-migrations.ts).
describeDataLayer('D1', () => d1Db(env.DB))
