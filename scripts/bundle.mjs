#!/usr/bin/env node
// Bundles the built CLI (dist/cli.js and everything it imports, dependencies included) into one
// CommonJS file, dist/cli.bundle.cjs: one file to parse instead of a few hundred to resolve.
// It is a script rather than an ES module so that bin/chartwright.js can compile it with a V8 code
// cache (node:vm's cachedData) on every supported Node, which Node 20 offers for nothing else.
// Commands stay lazily initialised: esbuild keeps each dynamic import as a deferred init function.
// Part of `npm run build`; bin/chartwright.js prefers the bundle and falls back to dist/cli.js.
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
// What earlier builds (an ES module bundle with chunks) left would only mislead.
rmSync(`${root}dist/chunks`, { recursive: true, force: true });
rmSync(`${root}dist/cli.bundle.js`, { force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli.js'],
  outfile: 'dist/cli.bundle.cjs',
  write: false,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  // Loaded at run time on purpose: the K3s provider's package, which is not a dependency. (The
  // Handlebars compiler is too, through createRequire, which esbuild leaves alone; the runtime is
  // bundled. Listing `handlebars` here would make `handlebars/runtime.js` external as well.)
  external: ['@testcontainers/k3s'],
  // A CommonJS file has no import.meta; modules that find files next to themselves get its URL.
  inject: ['scripts/bundle-import-meta.mjs'],
  define: { 'import.meta.url': 'bundleImportMetaUrl' },
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
const [output] = result.outputFiles;
// The loader runs the bundle as a vm script, where import() fails at run time: load with require.
if (/\bimport\(/.test(output.text)) throw new Error('dist/cli.bundle.cjs would contain an import(), which fails in a vm script: load that module with require');
// V8 accepts a code cache for any source of the same length, so the loader keys its cache files by
// this digest of the content, read from the first line without hashing the bundle at each start.
const digest = createHash('sha256').update(output.contents).digest('hex').slice(0, 16);
writeFileSync(output.path, `// chartwright bundle ${digest}\n${output.text}`);
process.stderr.write('bundled dist/cli.bundle.cjs\n');
