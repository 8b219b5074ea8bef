#!/usr/bin/env node
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
// The default export: a named import missing from an old Node would fail before the version check.
import zlib from 'node:zlib';

// Fail with a clear message on an unsupported Node before any syntax it lacks is parsed.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`chartwright needs Node.js 20.19 or newer (this is ${process.versions.node})\n`);
  process.exit(2);
}
const cli = loadBundle() ?? (await loadModules());
process.exitCode = await cli.main(process.argv.slice(2));
// Only a run that did its work (0, or 1 for findings) compiled what its command needs.
if (process.exitCode === 0 || process.exitCode === 1) cli.afterRun?.();

/**
 * dist/cli.bundle.cjs (scripts/bundle.mjs), compiled the way Node compiles a CommonJS file but
 * with a V8 code cache kept in the user's cache directory: most of a scaffold run is start-up, and
 * compiling the bundle is most of that. The cache is written after a run that had none (or one V8
 * refused), so it holds the functions that run compiled too; one per command (and apart for
 * runs without checks), since each runs different code. NODE_DISABLE_COMPILE_CACHE=1 turns it
 * off, as it does Node's own cache.
 */
function loadBundle() {
  const file = fileURLToPath(new URL('../dist/cli.bundle.cjs', import.meta.url));
  let source;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    if (error?.code === 'ENOENT') return undefined;
    throw error;
  }
  const digest = /^\/\/ chartwright bundle ([0-9a-f]+)\n/.exec(source)?.[1];
  const disabled = ['1', 'true'].includes(process.env.NODE_DISABLE_COMPILE_CACHE ?? '');
  // A cache holds what the run that wrote it compiled, so runs that skip the checks keep their own.
  const command = ['new', 'test', 'regenerate', 'bump'].includes(process.argv[2]) ? process.argv[2] : 'other';
  const checks = process.argv.some((arg) => arg === '--no-verify' || arg === '--dry-run') ? '-unchecked' : '';
  // V8 refuses a cache made under other flags: runs with and without NODE_OPTIONS keep one each.
  const flags = zlib.crc32([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join('\0')).toString(16);
  let cacheFile, cachedData;
  try {
    if (digest && !disabled) {
      // homedir() throws for a user with neither HOME nor a passwd entry: then there is no cache.
      // A relative XDG_CACHE_HOME is to be ignored (XDG base directory specification).
      const xdg = process.env.XDG_CACHE_HOME;
      const cacheRoot = join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'chartwright', 'code-cache');
      cacheFile = join(cacheRoot, digest, `${command}${checks}-v8-${process.versions.v8}-${process.arch}-${flags}.bin`);
      cachedData = checkedCache(readFileSync(cacheFile));
    }
  } catch {
    // none yet, or unreadable: compiled without
  }
  // Node's own CommonJS wrapper, so the bundle sees what a required file sees.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  // No import() in here: a vm script has no loader for it (scripts/bundle.mjs refuses one).
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  const afterRun = () => {
    if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) writeCodeCache(script, cacheFile);
  };
  return { main: module.exports.main, afterRun };
}

/**
 * The cache's data if its checksum holds. V8 checks only a cache's version, flags and source
 * length (in a release build), and would run a damaged one: the file starts with a CRC-32.
 */
function checkedCache(file) {
  const data = file.subarray(4);
  return file.length > 4 && file.readUInt32BE(0) === zlib.crc32(data) ? data : undefined;
}

/** A cache is only ever a speed-up: any failure to write one is ignored. */
function writeCodeCache(script, cacheFile) {
  const buildDir = dirname(cacheFile);
  const cacheRoot = dirname(buildDir);
  // Written aside and renamed: a concurrent run reads a whole cache or none.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(buildDir, { recursive: true });
    const data = script.createCachedData();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(zlib.crc32(data));
    writeFileSync(partial, Buffer.concat([header, data]));
    renameSync(partial, cacheFile);
    // The caches of other builds that no run has written for a month are left over from upgrades
    // (this build's directory was just written to).
    const monthAgo = Date.now() - 30 * 24 * 3600 * 1000;
    for (const entry of readdirSync(cacheRoot)) {
      const dir = join(cacheRoot, entry);
      if (statSync(dir).mtimeMs < monthAgo) rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    // A read-only or full file system: the next run compiles without a cache again.
    try {
      rmSync(partial, { force: true });
    } catch {
      // there is no directory to leave it in
    }
  }
}

/** dist/cli.js module by module, when dist/cli.bundle.cjs is absent. */
async function loadModules() {
  // Node 22.1+ caches compiled ES modules between runs.
  (await import('node:module')).enableCompileCache?.();
  return import('../dist/cli.js');
}
