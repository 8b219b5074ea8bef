// bin/chartwright.js runs the bundle (dist/cli.bundle.cjs) as a vm script with a V8 code cache in
// $XDG_CACHE_HOME/chartwright/code-cache. Real runs of the built CLI check that the cache is made,
// kept while V8 accepts it, replaced when V8 refuses it, never changes what a run writes, and never
// breaks a run when it cannot be written; and that the bundle still reaches the K3s provider's
// package, its one module loaded at run time.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readTree, runCli, tempDir } from './support/cli.js';
import { helmBinaries, repoRoot } from './support/tools.js';

const BIN = join(repoRoot, 'bin', 'chartwright.js');
const NEW = ['new', '--yes', '--no-verify'];
const digest = /^\/\/ chartwright bundle ([0-9a-f]{16})\n/.exec(await readFile(join(repoRoot, 'dist', 'cli.bundle.cjs'), 'utf8'))?.[1];

const cachePath = (cacheHome: string, name: string) => join(cacheHome, 'chartwright', 'code-cache', name);

/** The cache files below `cacheHome`, by path relative to its code-cache directory. */
async function cacheFiles(cacheHome: string): Promise<string[]> {
  const root = cachePath(cacheHome, '');
  if (!existsSync(root)) return [];
  const found: string[] = [];
  for (const dir of await readdir(root)) for (const file of await readdir(join(root, dir))) found.push(`${dir}/${file}`);
  return found.sort();
}

describe('the code cache of the bundle', () => {
  it('the bundle names its content digest on its first line', () => {
    expect(digest, 'dist/cli.bundle.cjs should start with `// chartwright bundle <digest>` (scripts/bundle.mjs)').toBeDefined();
  });

  it('one cache per command is written after the first run and kept by the next; the charts are byte-identical to runs without it', async () => {
    const work = await tempDir();
    const cacheHome = join(work, 'cache');
    const env = { XDG_CACHE_HOME: cacheHome };

    const first = await runCli([...NEW, join(work, 'first', 'svc')], { env });
    expect(first.exitCode, first.stderr).toBe(0);
    const files = await cacheFiles(cacheHome);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^${digest}/new-unchecked-v8-[^/]+\\.bin$`));
    const cacheFile = cachePath(cacheHome, files[0]!);
    const written = await readFile(cacheFile);
    const writtenAt = (await stat(cacheFile)).mtimeMs;

    const second = await runCli([...NEW, join(work, 'second', 'svc')], { env });
    expect(second.exitCode, second.stderr).toBe(0);
    // A cache V8 refused would have been written again.
    expect((await stat(cacheFile)).mtimeMs).toBe(writtenAt);
    expect(await readFile(cacheFile)).toEqual(written);

    const uncached = await runCli([...NEW, join(work, 'uncached', 'svc')], { env: { ...env, NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(uncached.exitCode, uncached.stderr).toBe(0);
    const tree = await readTree(join(work, 'uncached', 'svc'));
    expect(await readTree(join(work, 'first', 'svc'))).toEqual(tree);
    expect(await readTree(join(work, 'second', 'svc'))).toEqual(tree);
    expect(second.stdout.replaceAll('second', 'uncached')).toBe(uncached.stdout);

    // Runs that check the chart, and other commands, run other code: each keeps its own cache.
    const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;
    const verified = await runCli(['new', '--yes', join(work, 'verified', 'svc')], { env: { ...env, HELM_BIN: helm4.path } });
    expect(verified.exitCode, verified.stderr).toBe(0);
    const other = await runCli(['--version'], { env });
    expect(other.exitCode).toBe(0);
    expect(await cacheFiles(cacheHome)).toEqual(
      [files[0], files[0]!.replace('/new-unchecked-', '/new-'), files[0]!.replace('/new-unchecked-', '/other-')].sort(),
    );
    expect((await stat(cacheFile)).mtimeMs).toBe(writtenAt);
  });

  // A damaged file fails chartwright's checksum; a cache made under other V8 flags is one V8 refuses.
  const flipMiddleByte = (valid: Buffer) => {
    const copy = Buffer.from(valid);
    copy[copy.length >> 1] ^= 0xff;
    return copy;
  };
  for (const [damage, nodeFlags, spoil] of [
    ['all garbage', [], (valid: Buffer) => Buffer.alloc(valid.length, 0x5a)],
    ['with one byte of its code flipped', [], flipMiddleByte],
    ['made under other V8 flags', ['--stack-trace-limit=50'], (valid: Buffer) => valid],
  ] as const) {
    it(`a cache ${damage} is replaced, and the run is unaffected`, async () => {
      const work = await tempDir();
      const cacheHome = join(work, 'cache');
      const env = { NO_COLOR: '1', CHARTWRIGHT_MIRROR: '', XDG_CACHE_HOME: cacheHome };
      const run = (dir: string) => execa(process.execPath, [...nodeFlags, BIN, ...NEW, join(work, dir, 'svc')], { env, stdin: 'ignore', reject: false });
      expect((await runCli([...NEW, join(work, 'plain', 'svc')], { env })).exitCode).toBe(0);
      const [plainFile] = await cacheFiles(cacheHome);
      const plainCache = await readFile(cachePath(cacheHome, plainFile!));
      const reference = await run('a');
      expect(reference.exitCode, reference.stderr).toBe(0);
      // The cache this case's runs read: the plain one, or the one its Node flags keep apart.
      const [file] = nodeFlags.length ? (await cacheFiles(cacheHome)).filter((name) => name !== plainFile) : [plainFile];
      const cacheFile = cachePath(cacheHome, file!);
      await writeFile(cacheFile, spoil(plainCache));
      const spoiledAt = (await stat(cacheFile)).mtimeMs;

      const spoiledRun = await run('b');
      expect(spoiledRun.exitCode, spoiledRun.stderr).toBe(0);
      expect(spoiledRun.stdout.replaceAll('/b/svc', '/a/svc')).toBe(reference.stdout);
      expect(spoiledRun.stderr.replaceAll('/b/svc', '/a/svc')).toBe(reference.stderr);
      expect(await readTree(join(work, 'b', 'svc'))).toEqual(await readTree(join(work, 'a', 'svc')));
      expect((await stat(cacheFile)).mtimeMs).not.toBe(spoiledAt);
      // The replacement is one V8 accepts: the run after it leaves it alone.
      const replacedAt = (await stat(cacheFile)).mtimeMs;
      expect((await run('c')).exitCode).toBe(0);
      expect((await stat(cacheFile)).mtimeMs).toBe(replacedAt);
    });
  }

  it('a run that fails (exit 2) writes no cache: it compiled too little to keep', async () => {
    const work = await tempDir();
    const cacheHome = join(work, 'cache');
    const run = await runCli([...NEW, '--class', 'D', join(work, 'svc')], { env: { XDG_CACHE_HOME: cacheHome } });
    expect(run.exitCode, run.stderr).toBe(2);
    expect(await cacheFiles(cacheHome)).toEqual([]);
  });

  it('first runs at once all succeed and leave one whole cache', async () => {
    const work = await tempDir();
    const cacheHome = join(work, 'cache');
    const runs = await Promise.all([1, 2, 3, 4].map((n) => runCli([...NEW, join(work, `r${n}`, 'svc')], { env: { XDG_CACHE_HOME: cacheHome } })));
    for (const run of runs) expect(run.exitCode, run.stderr).toBe(0);
    const files = await cacheFiles(cacheHome);
    expect(files).toHaveLength(1);
    expect(files[0]).not.toMatch(/\.tmp$/);
    const cacheFile = cachePath(cacheHome, files[0]!);
    const writtenAt = (await stat(cacheFile)).mtimeMs;
    expect((await runCli([...NEW, join(work, 'after', 'svc')], { env: { XDG_CACHE_HOME: cacheHome } })).exitCode).toBe(0);
    expect((await stat(cacheFile)).mtimeMs).toBe(writtenAt);
  });

  it('a relative XDG_CACHE_HOME is ignored: no cache is written below the working directory', async () => {
    const work = await tempDir();
    const home = join(work, 'home');
    await mkdir(join(work, 'project'), { recursive: true });
    // A verified run: the helm version cache (src/tools/helm.ts) follows the same rule.
    const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;
    const run = await runCli(['new', '--yes', join(work, 'svc')], { cwd: join(work, 'project'), env: { XDG_CACHE_HOME: 'relative-cache', HOME: home, HELM_BIN: helm4.path } });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await readdir(join(work, 'project'))).toEqual([]);
    expect(await cacheFiles(join(home, '.cache'))).toHaveLength(1);
    expect(existsSync(join(home, '.cache', 'chartwright', 'helm-versions.json'))).toBe(true);
  });

  it('NODE_DISABLE_COMPILE_CACHE=1 writes no cache', async () => {
    const work = await tempDir();
    const cacheHome = join(work, 'cache');
    const run = await runCli([...NEW, join(work, 'svc')], { env: { XDG_CACHE_HOME: cacheHome, NODE_DISABLE_COMPILE_CACHE: '1' } });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await cacheFiles(cacheHome)).toEqual([]);
  });

  it('a cache directory that cannot be made changes nothing a user sees', async () => {
    const work = await tempDir();
    // A file where the cache directory would go: mkdir fails, even for root.
    const blocked = join(work, 'not-a-directory');
    await writeFile(blocked, 'stand-in: a file in the way of the cache directory\n');
    const reference = await runCli([...NEW, join(work, 'reference', 'svc')], { env: { XDG_CACHE_HOME: join(work, 'cache') } });
    const run = await runCli([...NEW, join(work, 'blocked', 'svc')], { env: { XDG_CACHE_HOME: blocked } });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr.replaceAll('blocked', 'reference')).toBe(reference.stderr);
    expect(run.stdout.replaceAll('blocked', 'reference')).toBe(reference.stdout);
    expect(await readTree(join(work, 'blocked', 'svc'))).toEqual(await readTree(join(work, 'reference', 'svc')));
  });

  it("writing a cache removes other builds' caches untouched for a month, and keeps recent ones", async () => {
    const work = await tempDir();
    const cacheHome = join(work, 'cache');
    const root = cachePath(cacheHome, '');
    for (const build of ['0000000000000old', '0000000000recent']) {
      await mkdir(join(root, build), { recursive: true });
      await writeFile(join(root, build, 'new-v8-stand-in-x64.bin'), 'stand-in cache of another build\n');
    }
    const longAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    await utimes(join(root, '0000000000000old'), longAgo, longAgo);
    expect((await runCli([...NEW, join(work, 'svc')], { env: { XDG_CACHE_HOME: cacheHome } })).exitCode).toBe(0);
    expect((await readdir(root)).sort()).toEqual(['0000000000recent', digest].sort());
  });
});

describe("the K3s provider's package, loaded by the bundle at run time", () => {
  // A stand-in docker that answers `docker info`, so --cluster k3s gets as far as loading the package.
  async function standInDocker(work: string): Promise<string> {
    const bin = join(work, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'docker'), '#!/bin/sh\n# stand-in for docker: answers `docker info` only\necho "Server Version: stand-in"\n');
    await chmod(join(bin, 'docker'), 0o755);
    return `${bin}:${process.env.PATH}`;
  }
  const chart = join(repoRoot, 'charts', 'alarm-gateway');
  const install = ['test', chart, '--install', '--cluster', 'k3s', '--format', 'json'];

  for (const [kind, files] of [
    ['CommonJS', { 'package.json': '{"name":"@testcontainers/k3s","version":"0.0.0-stand-in","main":"index.js"}', 'index.js': 'exports.K3sContainer = class { async start() { throw new Error("stand-in K3s package reached (CommonJS)"); } };\n' }],
    ['an ES module', { 'package.json': '{"name":"@testcontainers/k3s","version":"0.0.0-stand-in","type":"module","exports":"./index.js"}', 'index.js': 'export class K3sContainer { async start() { throw new Error("stand-in K3s package reached (an ES module)"); } }\n' }],
  ] as const) {
    it(`is found in the project's node_modules when it is ${kind}`, async () => {
      const work = await tempDir();
      const packageDir = join(work, 'project', 'node_modules', '@testcontainers', 'k3s');
      await mkdir(packageDir, { recursive: true });
      for (const [name, text] of Object.entries(files)) await writeFile(join(packageDir, name), text);
      const run = await runCli(install, { cwd: join(work, 'project'), env: { PATH: await standInDocker(work) } });
      expect(run.stdout).toContain(`could not start K3s (rancher/k3s`);
      expect(run.stdout).toContain(`stand-in K3s package reached (${kind})`);
    });
  }

  it('is named in the message when it is not installed', async () => {
    const work = await tempDir();
    await mkdir(join(work, 'project'));
    const run = await runCli(install, { cwd: join(work, 'project'), env: { PATH: await standInDocker(work), npm_config_prefix: join(work, 'no-global') } });
    expect(run.stdout).toContain('--cluster k3s needs the package @testcontainers/k3s, which is not installed (Cannot find module');
  });
});
