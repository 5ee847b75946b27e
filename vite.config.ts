import preact from '@preact/preset-vite'
import { gzipSync } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'

/**
 * Prints what a first visit downloads (the entry chunk, its static imports and their CSS), gzipped,
 * so the cost of each change to the client shows up in every build.
 */
function firstLoadSize(): Plugin {
  return {
    name: 'first-load-size',
    apply: 'build',
    generateBundle(_options, bundle) {
      const entry = Object.values(bundle).find((file) => file.type === 'chunk' && file.isEntry)
      if (!entry || entry.type !== 'chunk') return
      const chunks = new Set<string>()
      const visit = (fileName: string) => {
        const file = bundle[fileName]
        if (chunks.has(fileName) || !file || file.type !== 'chunk') return
        chunks.add(fileName)
        file.imports.forEach(visit)
      }
      visit(entry.fileName)
      const css = new Set<string>()
      let jsBytes = 0
      for (const name of chunks) {
        const chunk = bundle[name]
        if (chunk?.type !== 'chunk') continue
        jsBytes += gzipSync(chunk.code).length
        chunk.viteMetadata?.importedCss.forEach((c) => css.add(c))
      }
      let cssBytes = 0
      for (const name of css) {
        const asset = bundle[name]
        if (asset?.type === 'asset') cssBytes += gzipSync(asset.source).length
      }
      const kb = (n: number) => `${(n / 1000).toFixed(2)} kB`
      console.log(`first load (gzip): JS ${kb(jsBytes)} in ${chunks.size} files, CSS ${kb(cssBytes)} in ${css.size} file(s)`)
    },
  }
}

export default defineConfig({
  root: 'web',
  plugins: [preact(), firstLoadSize()],
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    rolldownOptions: {
      // Name the library chunk after what it is (Preact and friends), not after a module of ours.
      output: { codeSplitting: { groups: [{ name: 'preact', test: /node_modules/ }] } },
    },
  },
})
