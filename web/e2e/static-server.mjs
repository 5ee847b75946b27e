// The built web client served from a second origin, as a separately hosted client would be (a CDN
// or Pages): static files, index.html for every page path, nothing else. Test use only.
import { spawnSync } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../..')
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.webmanifest': 'application/manifest+json' }

/** Builds the client into `outDir` with its API on `apiBase` (VITE_API_BASE), as the README describes. */
export function buildClient(outDir, apiBase) {
  const result = spawnSync(path.join(root, 'node_modules/.bin/vite'), ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, VITE_API_BASE: apiBase },
  })
  if (result.status !== 0) throw new Error('e2e: vite build for the second origin failed')
}

/** Serves `dir` on 127.0.0.1 at a free port; the files may be written after it starts. */
export async function serveStatic(dir) {
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname)
    let file = path.join(dir, pathname)
    if (!file.startsWith(dir + path.sep) || !(await stat(file).catch(() => null))?.isFile()) file = path.join(dir, 'index.html')
    try {
      const body = await readFile(file)
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  return { port: server.address().port, stop: () => new Promise((resolve) => server.close(resolve)) }
}
