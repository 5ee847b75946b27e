// Installs npm packages when node_modules is missing or older than package-lock.json, so
// `npm start` and `npm test` work on a fresh clone as the only command.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

export function ensureNpmPackages() {
  const installed = path.join(root, 'node_modules', '.package-lock.json')
  const lock = path.join(root, 'package-lock.json')
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return
  console.log('setup: installing npm packages (npm ci)')
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    console.error('setup: npm ci failed')
    process.exit(result.status ?? 1)
  }
}
