#!/usr/bin/env node
// Bundles the built CLI (dist/cli.js and everything it imports, dependencies included) into
// dist/cli.bundle.js plus chunks for the commands it loads lazily: one file to parse instead of a
// few hundred to resolve, which is most of a short run's start-up. Part of `npm run build`;
// bin/chartwright.js prefers the bundle and falls back to dist/cli.js.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
// Chunk names carry a hash: the chunks of an earlier build would only pile up.
rmSync(`${root}dist/chunks`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { 'cli.bundle': 'dist/cli.js' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Loaded at run time on purpose: the K3s provider's package, which is not a dependency. (The
  // Handlebars compiler is too, through createRequire, which esbuild leaves alone; the runtime is
  // bundled. Listing `handlebars` here would make `handlebars/runtime.js` external as well.)
  external: ['@testcontainers/k3s'],
  // CommonJS dependencies call require() for Node's modules, which an ES module has no binding for.
  banner: { js: "import { createRequire as __chartwrightCreateRequire } from 'node:module'; const require = __chartwrightCreateRequire(import.meta.url);" },
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
process.stderr.write('bundled dist/cli.bundle.js\n');
