// Injected into dist/cli.bundle.cjs by scripts/bundle.mjs: import.meta.url, for a CommonJS file.
export const bundleImportMetaUrl = require('node:url').pathToFileURL(__filename).href;
