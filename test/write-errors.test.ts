// File-system mistakes through the built CLI: each is exit 2 naming the path and the reason in
// words, never exit 70 with a stack trace, and leaves nothing behind. Permission cases run as a
// throwaway uid (root bypasses permissions); EROFS and ENOSPC on a real tmpfs mounted in a user
// namespace. Where the machine cannot do that, those tests skip and say why.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTree, runCli, stagingLeftovers, tempDir } from './support/cli.js';
import { repoRoot } from './support/tools.js';

const NEW = ['--yes', '--no-verify'];
const BIN = join(repoRoot, 'bin', 'chartwright.js');
const NOBODY = 65534;

const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const asNobody = ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups'];
// A checkout below a private directory (mktemp -d makes one) is out of the throwaway uid's reach.
const nobodyReadsCheckout = isRoot && hasSetpriv && spawnSync('setpriv', [...asNobody, 'test', '-r', BIN]).status === 0;
const canDropPrivileges = isRoot && hasSetpriv && nobodyReadsCheckout;
if (!canDropPrivileges) {
  const reason = !isRoot
    ? 'they need root to switch to a throwaway uid'
    : !hasSetpriv
      ? 'setpriv is not installed'
      : `uid ${NOBODY} cannot read ${BIN} (a directory above the checkout is private)`;
  console.log(`skipping permission tests: ${reason}`);
}
const canMountTmpfs = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k none /mnt']).status === 0;
if (!canMountTmpfs) console.log('skipping EROFS/ENOSPC tests: cannot mount a tmpfs in a user namespace (unshare -rm)');

function expectUsageError(result: { exitCode: number; stderr: string }, ...parts: (string | RegExp)[]) {
  expect(result.exitCode, result.stderr).toBe(2);
  expect(result.stderr).not.toContain('internal error');
  expect(result.stderr).not.toMatch(/\n\s+at /);
  for (const part of parts) expect(result.stderr).toMatch(part);
}

/** Runs the CLI as uid/gid 65534 with no supplementary groups. */
function runAsNobody(args: string[], cwd: string): { exitCode: number; stderr: string } {
  const result = spawnSync('setpriv', [...asNobody, process.execPath, BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', HOME: cwd },
    encoding: 'utf8',
  });
  return { exitCode: result.status ?? -1, stderr: result.stderr };
}

/** Runs a shell script in a user and mount namespace with a 64 KiB tmpfs at `mount`. */
function inTmpfs(mount: string, script: string, options = 'size=64k'): { exitCode: number; stdout: string; stderr: string } {
  const result = spawnSync('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o ${options} none "$1" && shift && ${script}`, 'sh', mount, process.execPath, BIN], {
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
    encoding: 'utf8',
  });
  return { exitCode: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('file-system mistakes are usage errors', () => {
  it('a directory name over 255 bytes', async () => {
    const root = await tempDir();
    const result = await runCli(['new', 'a'.repeat(300), '--name', 'ok', ...NEW], { cwd: root });
    expectUsageError(result, /cannot write a{300}: the name "a+…" is 300 bytes; file names may have at most 255/);
    expect(await readdir(root)).toEqual([]);
  });

  it('a name that fits, even where the writer adds its own prefix beside it', async () => {
    const root = await tempDir();
    const name = 'b'.repeat(250);
    const result = await runCli(['new', name, '--name', 'ok', ...NEW], { cwd: root });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readdir(root)).toEqual([name]);
  });

  it('/proc/x', async () => {
    const result = await runCli(['new', '/proc/x', '--name', 'ok', ...NEW]);
    expectUsageError(result, /cannot create the lock file for \/proc\/x: .*\((ENOENT|EACCES|EPERM)\)/);
  });

  it('a symbolic link to an empty directory is written through; the link stays', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'real'));
    await symlink('real', join(root, 'link'));
    const result = await runCli(['new', 'link', '--name', 'ok', ...NEW], { cwd: root });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await lstat(join(root, 'link'))).isSymbolicLink()).toBe(true);
    expect((await readTree(join(root, 'real'))).has('Chart.yaml')).toBe(true);
    expect(await stagingLeftovers(root)).toEqual([]);
  });

  it('a symbolic link to a missing directory', async () => {
    const root = await tempDir();
    await symlink('missing', join(root, 'link'));
    const result = await runCli(['new', 'link', '--name', 'ok', ...NEW], { cwd: root });
    expectUsageError(result, 'cannot write link: it is a symbolic link to missing, which does not exist; create that directory or remove the link');
    expect(await readdir(root)).toEqual(['link']);
  });

  it('a parent that is a file', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'afile'), 'x');
    const result = await runCli(['new', 'afile/chart', '--name', 'ok', ...NEW], { cwd: root });
    expectUsageError(result, /afile.*(a parent is not a directory|ENOTDIR|EEXIST)/);
  });

  it('an answers file with a circular YAML anchor', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'answers.yaml'), 'name: ok\ndependencies: &deps [*deps]\n');
    const result = await runCli(['new', 'chart', '--answers', 'answers.yaml', ...NEW], { cwd: root });
    expectUsageError(result, '--answers answers.yaml is not usable: a YAML alias (*name) refers to the anchor it is inside of');
    expect(await readdir(root)).toEqual(['answers.yaml']);
  });
});

describe.skipIf(!canDropPrivileges)('as a user without write permission', () => {
  it('a directory the user cannot write into', async () => {
    const root = await tempDir();
    await chmod(root, 0o755);
    await mkdir(join(root, 'readonly'), { mode: 0o555 });
    const result = runAsNobody(['new', 'readonly/chart', '--name', 'ok', ...NEW], root);
    expectUsageError(result, /cannot create the lock file for readonly\/chart: permission denied \(EACCES\)/);
    expect(await readdir(join(root, 'readonly'))).toEqual([]);
  });

  it('regenerate into a chart whose templates/ is read-only: every set-aside file is put back', async () => {
    const root = await tempDir();
    await chmod(root, 0o755);
    const home = join(root, 'home');
    await mkdir(home);
    await cp(join(repoRoot, 'charts', 'telemetry-viewer'), join(home, 'chart'), { recursive: true });
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, home]);
    await chown(home, NOBODY, NOBODY);
    await chmod(join(home, 'chart', 'templates'), 0o555);
    const before = await readTree(join(home, 'chart'));
    // Persistence changes templates/deployment.yaml, which cannot be moved out of templates/.
    const result = runAsNobody(['regenerate', 'chart', '--set', 'persistence=true', '--no-verify'], home);
    expectUsageError(result, /cannot write chart: permission denied \(EACCES\).*; nothing was written: chart is untouched/);
    expect(await readTree(join(home, 'chart'))).toEqual(before);
    expect(await stagingLeftovers(home)).toEqual([]);
  });
});

describe.skipIf(!canDropPrivileges)('as a user who cannot read a file of the chart', () => {
  it('regenerate and its dry run: exit 2 naming the file', async () => {
    const root = await tempDir();
    await chmod(root, 0o755);
    await cp(join(repoRoot, 'charts', 'telemetry-viewer'), join(root, 'chart'), { recursive: true });
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, root]);
    await chmod(join(root, 'chart', 'values-dev.yaml'), 0o000);
    const before = await readTree(join(root, 'chart'));
    for (const args of [['--no-verify'], ['--dry-run']]) {
      const result = runAsNobody(['regenerate', 'chart', '--set', 'class=C', ...args], root);
      expectUsageError(result, /cannot read chart: permission denied \(EACCES\) \(.*\/chart\/values-dev\.yaml\)/);
    }
    expect(await readTree(join(root, 'chart'))).toEqual(before);
    expect(await stagingLeftovers(root)).toEqual([]);
  });
});

describe.skipIf(!canMountTmpfs)('on a full or read-only file system', () => {
  it('ENOSPC while staging: exit 2, nothing left on the full file system (not even the parents it made)', async () => {
    const mount = await tempDir();
    const result = inTmpfs(mount, '"$1" "$2" new "$0"/deep/er/chart --name ok --yes --no-verify; echo "exit=$?"; ls -A "$0"'.replaceAll('$0', mount));
    expect(result.stderr).toMatch(/cannot write .*\/deep\/er\/chart: no space left on device \(ENOSPC\).*; nothing was written: .*\/chart was not created/);
    expect(result.stderr).not.toContain('internal error');
    // `ls -A` of the mount printed nothing after the exit code: no chart, no deep/er, no staging, no lock.
    expect(result.stdout).toBe('exit=2\n');
  });

  it('EROFS: exit 2 naming the read-only file system', async () => {
    const mount = await tempDir();
    const result = inTmpfs(mount, '"$1" "$2" new "$0"/chart --yes --no-verify; echo "exit=$?"'.replaceAll('$0', mount), 'ro');
    expect(result.stdout).toBe('exit=2\n');
    expect(result.stderr).toMatch(/cannot create the lock file for .*\/chart: read-only file system \(EROFS\)/);
  });
});
