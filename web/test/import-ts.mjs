// Node 20 cannot import TypeScript, so unit tests bundle the module under test with esbuild
// (already installed for vite and wrangler) and import the result from a data: URL.
import { build } from 'esbuild'
import path from 'node:path'

export async function importTs(relativePath) {
  const entry = path.resolve(import.meta.dirname, relativePath)
  const result = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', write: false, logLevel: 'error' })
  const code = result.outputFiles[0].text
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)
}
