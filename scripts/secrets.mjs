#!/usr/bin/env node
// Prints fresh values for every secret the worker reads, with the commands that store them. Nothing
// is written to disk; paste each value at wrangler's prompt so it stays out of shell history too.
//
//   npm run secrets -- --env staging|production
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({ options: { env: { type: 'string', default: '' } } })
// The top level of wrangler.toml is local (its secrets come from .dev.vars): never deployed, so
// commands without --env would store secrets on a worker that does not exist.
if (!['staging', 'production'].includes(args.env)) {
  console.error('secrets: pass --env staging or --env production')
  process.exit(2)
}
const envFlag = ` --env ${args.env}`
const key = () => randomBytes(32).toString('base64')
const messageKey = key()

console.log(`# Fresh secrets for ${args.env}. Run each command and paste its value at the prompt.

# JWT_SECRET: HS256 key for access tokens (32 random bytes, base64). Replacing it voids every access
# token at once; clients renew theirs through the refresh cookie, so nobody is signed out.
npx wrangler secret put JWT_SECRET${envFlag}
${key()}

# MESSAGE_KEYS: the message-encryption keyring, newest first. For a NEW environment only:
npx wrangler secret put MESSAGE_KEYS${envFlag}
v1:${messageKey}
# For an environment that already has messages, never replace the keyring (its messages would become
# unreadable): prepend the next version to the current value, e.g. "v2:${messageKey},v1:<current>"
# (docs/security.md#rotating-a-master-key).

# ADMIN_TOKEN: the bearer token of the operator's routes (key rotation, \`npm run keys:rewrap\`; 32
# random bytes, base64). Optional: unset, those routes answer 403. Keep a copy where the operator
# runs keys:rewrap (it reads ADMIN_TOKEN from the shell).
npx wrangler secret put ADMIN_TOKEN${envFlag}
${key()}

# LIBSQL_AUTH_TOKEN (only when the database is libSQL/Turso): issued by your libSQL provider, not
# generated here: npx wrangler secret put LIBSQL_AUTH_TOKEN${envFlag}`)
