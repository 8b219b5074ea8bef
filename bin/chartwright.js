#!/usr/bin/env node
// Fail with a clear message on an unsupported Node before any syntax it lacks is parsed.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`chartwright needs Node.js 20.19 or newer (this is ${process.versions.node})\n`);
  process.exit(2);
}
const { main } = await import('../dist/cli.js');
process.exitCode = await main(process.argv.slice(2));
