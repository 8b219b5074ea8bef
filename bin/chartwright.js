#!/usr/bin/env node
// Fail with a clear message on an unsupported Node before any syntax it lacks is parsed.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`chartwright needs Node.js 20.19 or newer (this is ${process.versions.node})\n`);
  process.exit(2);
}
// Node 22.1+ can cache compiled code between runs: most of a scaffold run is start-up.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
// The bundle (scripts/bundle.mjs) starts faster; dist/cli.js is the same code, module by module.
const { main } = await import('../dist/cli.bundle.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('cli.bundle.js')) throw error;
  return import('../dist/cli.js');
});
process.exitCode = await main(process.argv.slice(2));
