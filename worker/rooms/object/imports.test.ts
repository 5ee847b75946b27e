import { describe, expect, it } from 'vitest'

// Every source file of the worker and protocol as text, keyed '/worker/rooms/object/room.ts' (Vite's glob).
const SOURCES: Record<string, string> = import.meta.glob(['/worker/**/*.ts', '/protocol/**/*.ts', '!**/*.test.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
})

// Static imports and re-exports, `import type` included: a type-only import still ties the object
// to the module's shape.
const SPECIFIER = /^\s*(?:import|export)\b[^'"]*?(?:from\s*)?['"]([^'"]+)['"]/gm

function resolve(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return specifier
  const base = new URL(specifier, `file://${from}`).pathname
  return [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => candidate in SOURCES) ?? null
}

/** Each module reachable from `start`, with the chain of imports that reaches it. */
function reachable(start: string[]): Map<string, string[]> {
  const chains = new Map(start.map((file) => [file, [file]]))
  const queue = [...start]
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const [, specifier] of SOURCES[file]!.matchAll(SPECIFIER)) {
      const target = resolve(file, specifier!)
      if (target === null || chains.has(target)) continue
      chains.set(target, [...chains.get(file)!, target])
      if (target in SOURCES) queue.push(target)
    }
  }
  return chains
}

// A Durable Object answers only the worker's forwarded requests and its sockets: the HTTP layer
// (middleware, routers, Hono) has no business in it, and would be bundled into its code paths.
describe.each([
  ['/worker/rooms/object/', '/worker/rooms/object/chat-room.ts'],
  ['/worker/live/object/', '/worker/live/object/user-hub.ts'],
  ['/worker/rooms/shard/', '/worker/rooms/shard/fan-out-shard.ts'],
])('%s imports', (folder, entry) => {
  const objectFiles = Object.keys(SOURCES).filter((file) => file.startsWith(folder))

  it('finds the object\'s sources and follows their imports', () => {
    expect(objectFiles).toContain(entry)
    expect([...reachable(objectFiles).keys()]).toContain('/worker/config.ts')
  })

  it('reaches nothing under worker/http/ and no hono module, directly or transitively', () => {
    const offending = [...reachable(objectFiles)]
      .filter(([module]) => module.startsWith('/worker/http/') || module === 'hono' || module.startsWith('hono/'))
      .map(([, chain]) => chain.join(' -> '))
    expect(offending).toEqual([])
  })
})
