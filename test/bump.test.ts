// `chartwright bump` on copies of the example charts through the built CLI, and the version check
// `chartwright test --since REF` runs against a real git repository.
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli, tempDir } from './support/cli.js';
import { helmBinaries, repoRoot } from './support/tools.js';

const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;

async function tree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git') await walk(full);
      } else files.set(relative(dir, full).split(sep).join('/'), await readFile(full, 'utf8'));
    }
  };
  await walk(dir);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function copyExample(name: string, into?: string): Promise<string> {
  const dir = join(into ?? (await tempDir('chartwright-bump-')), name);
  await cp(join(repoRoot, 'charts', name), dir, { recursive: true, filter: (path) => !path.startsWith(join(repoRoot, 'charts', name, 'charts')) });
  return dir;
}

const read = (dir: string, path: string) => readFile(join(dir, path), 'utf8');
const yamlOf = async (dir: string, path: string) => parseYaml(await read(dir, path), { version: '1.1' }) as Record<string, any>;
async function rewrite(dir: string, path: string, from: RegExp, to: string) {
  const before = await read(dir, path);
  const after = before.replace(from, to);
  if (after === before) throw new Error(`edit did not apply to ${path}`);
  await writeFile(join(dir, path), after);
}

describe('bump', () => {
  it('--app-version sets appVersion and the image tag, keeps comments, derives a patch and records it', async () => {
    const dir = await copyExample('telemetry-viewer');
    const valuesBefore = await read(dir, 'values.yaml');
    const result = await runCli(['bump', dir, '--app-version', '1.5.0']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('0.1.1\n');
    expect(result.stderr).toContain('0.1.0 → 0.1.1 (patch): no values keys or templates added, removed or retyped since 0.1.0; new app version');

    const chart = await yamlOf(dir, 'Chart.yaml');
    expect(chart.version).toBe('0.1.1');
    expect(chart.appVersion).toBe('1.5.0');
    expect(parseYaml(chart.annotations['artifacthub.io/changes'])).toEqual([{ kind: 'changed', description: 'appVersion 1.4.2 → 1.5.0, image tag 1.5.0' }]);
    // Only the tag line of values.yaml changed: every comment is where it was.
    const valuesAfter = await read(dir, 'values.yaml');
    const changed = valuesAfter.split('\n').filter((line, index) => line !== valuesBefore.split('\n')[index]);
    expect(changed).toEqual(['  tag: "1.5.0"']);
    expect((await yamlOf(dir, '.chartwright.yaml')).answers.image.tag).toBe('1.5.0');
    expect(await read(dir, 'CHANGELOG.md')).toBe(
      '# Changelog\n\n## 0.1.1\n\nPatch release: no values keys or templates added, removed or retyped since 0.1.0; new app version.\n\n' +
        '- Changed: appVersion 1.4.2 → 1.5.0, image tag 1.5.0\n',
    );
    expect((await yamlOf(dir, '.chartwright/release.yaml')).version).toBe('0.1.1');

    // Helm accepts the bumped chart, and a regenerate afterwards keeps the bump.
    const tested = await runCli(['test', dir, '--values', 'values.yaml', '--kube-version', '1.35'], { env: { HELM_BIN: helm4.path } });
    expect(tested.exitCode, tested.stderr).toBe(0);
    const regenerated = await runCli(['regenerate', dir]);
    expect(regenerated.exitCode, regenerated.stderr).toBe(0);
    expect(regenerated.stderr).toMatch(/updated\s+README\.md/);
    expect(await read(dir, 'README.md')).toContain('`"1.5.0"`');
    expect((await yamlOf(dir, 'Chart.yaml')).version).toBe('0.1.1');
    expect((await yamlOf(dir, 'values.yaml')).image.tag).toBe('1.5.0');
  });

  it('is deterministic: the same bump on two copies writes the same bytes', async () => {
    const [a, b] = [await copyExample('patient-records'), await copyExample('patient-records')];
    for (const dir of [a, b]) expect((await runCli(['bump', dir, '--app-version', '2.1.0', '--message', 'Faster record search'])).exitCode).toBe(0);
    expect(await tree(a)).toEqual(await tree(b));
    expect(await read(a, 'CHANGELOG.md')).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  it('derives minor for a new template, then compares the next bump with that release', async () => {
    const dir = await copyExample('telemetry-viewer');
    await writeFile(join(dir, 'templates', 'feature-flags.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-flags\n');
    const minor = await runCli(['bump', dir, '--date', '2025-03-01']);
    expect(minor.exitCode, minor.stderr).toBe(0);
    expect(minor.stdout).toBe('0.2.0\n');
    expect(minor.stderr).toContain('(minor): template templates/feature-flags.yaml added since 0.1.0');

    const patch = await runCli(['bump', dir]);
    expect(patch.stdout).toBe('0.2.1\n');
    const changelog = await read(dir, 'CHANGELOG.md');
    expect(changelog.indexOf('## 0.2.1')).toBeLessThan(changelog.indexOf('## 0.2.0 (2025-03-01)'));
    expect(changelog).toContain('- Added: template templates/feature-flags.yaml');
    expect(parseYaml((await yamlOf(dir, 'Chart.yaml')).annotations['artifacthub.io/changes'])).toEqual([
      { kind: 'changed', description: 'no values keys or templates added or removed' },
    ]);
  });

  it('derives minor for a new values key and major for a removed or retyped one', async () => {
    const added = await copyExample('telemetry-viewer');
    await rewrite(added, 'values.yaml', /^(  LOG_LEVEL: info)$/m, '$1\n  AUDIT_LOG: enabled');
    const minor = await runCli(['bump', added]);
    expect(minor.stdout).toBe('0.2.0\n');
    expect(minor.stderr).toContain('values key config.AUDIT_LOG added');

    const removed = await copyExample('telemetry-viewer');
    await rewrite(removed, 'values.yaml', /^ {2}# -- Metrics path on the container port\n {2}path: .*\n/m, '');
    const major = await runCli(['bump', removed]);
    expect(major.stdout).toBe('1.0.0\n');
    expect(major.stderr).toContain('(major): values key metrics.path removed since 0.1.0');

    const retyped = await copyExample('telemetry-viewer');
    await rewrite(retyped, 'values.yaml', /^replicaCount: 1$/m, 'replicaCount: "1"');
    const majorAgain = await runCli(['bump', retyped, '--level', 'patch']);
    expect(majorAgain.exitCode).toBe(0);
    expect(majorAgain.stdout).toBe('0.1.1\n');
    expect(majorAgain.stderr).toContain('warning: --level patch is lower than the changes suggest (major: values key replicaCount changed type (number → string)');
    expect(await read(retyped, 'CHANGELOG.md')).toContain('Patch release: chosen with --level; the changes alone make it major');
  });

  it('needs --digest when values.yaml pins the image by digest', async () => {
    const dir = await copyExample('telemetry-viewer');
    const digest = `sha256:${'a'.repeat(64)}`;
    await rewrite(dir, 'values.yaml', /^(  digest: )""$/m, `$1"${digest}"`);
    const before = await tree(dir);
    const refused = await runCli(['bump', dir, '--app-version', '1.5.0']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('values.yaml image.digest pins the image of 1.4.2; pass --digest sha256:... for 1.5.0');
    expect(await tree(dir)).toEqual(before);

    const next = `sha256:${'b'.repeat(64)}`;
    const result = await runCli(['bump', dir, '--app-version', '1.5.0', '--digest', next]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect((await yamlOf(dir, 'values.yaml')).image).toMatchObject({ tag: '1.5.0', digest: next });
    expect((await yamlOf(dir, '.chartwright.yaml')).answers.image.digest).toBe(next);
  });

  it.each([
    [['--level', 'huge'], 'invalid --level "huge": must be one of patch, minor, major'],
    [['--app-version', 'v1.2.0'], 'invalid --app-version "v1.2.0": must be a semantic version X.Y.Z'],
    [['--app-version', '1.2.0+build.5'], 'invalid --app-version "1.2.0+build.5": must also be a valid image tag'],
    [['--date', '2025-02-30'], 'invalid --date "2025-02-30": must be a calendar date YYYY-MM-DD'],
    [['--digest', 'sha256:abc'], 'invalid --digest "sha256:abc": must be sha256: followed by 64 lowercase hex digits'],
    [['--message', ' '], 'invalid --message " ": must be one non-empty line'],
  ])('rejects %j with exit 2 and writes nothing', async (args, message) => {
    const dir = await copyExample('telemetry-viewer');
    const before = await tree(dir);
    const result = await runCli(['bump', dir, ...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await tree(dir)).toEqual(before);
  });

  it('asks for --level when there is nothing to compare against', async () => {
    const dir = await copyExample('telemetry-viewer');
    await rm(join(dir, '.chartwright'), { recursive: true });
    const refused = await runCli(['bump', dir]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('has no .chartwright/release.yaml to compare against; pass --level patch|minor|major');
    const result = await runCli(['bump', dir, '--level', 'minor']);
    expect(result.stdout).toBe('0.2.0\n');
  });

  it('works on a chart chartwright did not make, keeping its record out of the package', async () => {
    const dir = await tempDir('chartwright-bump-');
    await mkdir(join(dir, 'templates'));
    await writeFile(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: foreign\nversion: 1.2.3\n');
    await writeFile(join(dir, '.helmignore'), '*.swp');
    await writeFile(join(dir, 'values.yaml'), 'image:\n  repository: registry.example.com/foreign\n  tag: "1.0.0" # pinned by release management\n');
    const first = await runCli(['bump', dir, '--level', 'minor', '--app-version', '2.0.0']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toBe('1.3.0\n');
    expect(await read(dir, '.helmignore')).toBe("*.swp\n# chartwright's release record (chartwright bump).\n.chartwright/\n");
    expect(await read(dir, 'values.yaml')).toContain('tag: "2.0.0" # pinned by release management');
    expect(await read(dir, 'CHANGELOG.md')).toContain('Minor release: chosen with --level (no release record to compare against).');
    // From now on there is a record to derive the level from.
    const second = await runCli(['bump', dir]);
    expect(second.stdout).toBe('1.3.1\n');
  });

  it('--dry-run prints the entry and writes nothing', async () => {
    const dir = await copyExample('dose-calculator');
    const before = await tree(dir);
    const result = await runCli(['bump', dir, '--app-version', '3.3.0', '--dry-run']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('## 0.1.1\n\nPatch release: no values keys or templates added, removed or retyped since 0.1.0; new app version.\n\n- Changed: appVersion 3.2.0 → 3.3.0, image tag 3.3.0\n');
    expect(await tree(dir)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------

const git = (cwd: string, ...args: string[]) =>
  execa('git', ['-c', 'user.name=Release Engineer', '-c', 'user.email=release@example.com', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  });

interface Report {
  charts: { name: string; stages: { stage: string; status: string; findings: { rule?: string; message: string; file?: string }[]; reason?: string }[] }[];
}
const versionFindings = (stdout: string) =>
  (JSON.parse(stdout) as Report).charts.flatMap((chart) => chart.stages.flatMap((stage) => stage.findings.filter((finding) => finding.rule === 'version-bump')));

describe('test --since', () => {
  const since = (repo: string, ref: string, chart = 'charts/telemetry-viewer') =>
    runCli(['test', chart, '--since', ref, '--values', 'values.yaml', '--kube-version', '1.35', '--format', 'json'], { cwd: repo, env: { HELM_BIN: helm4.path } });

  it('flags changed templates or values without a version bump; passes after chartwright bump', async () => {
    const repo = await tempDir('chartwright-since-');
    await mkdir(join(repo, 'charts'));
    const chart = await copyExample('telemetry-viewer', join(repo, 'charts'));
    await git(repo, 'init', '-q');
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-q', '-m', 'telemetry-viewer 0.1.0');
    await git(repo, 'tag', 'v0.1.0');

    const clean = await since(repo, 'v0.1.0');
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect(versionFindings(clean.stdout)).toEqual([]);

    // Docs alone need no new version.
    await writeFile(join(chart, 'README.md'), `${await read(chart, 'README.md')}\nSee the runbook.\n`);
    expect((await since(repo, 'v0.1.0')).exitCode).toBe(0);

    await rewrite(chart, 'templates/deployment.yaml', /^(      terminationGracePeriodSeconds: .*)$/m, '$1\n      enableServiceLinks: false');
    await writeFile(join(chart, 'templates', 'extra.yaml'), '# untracked, still a change\n');
    const flagged = await since(repo, 'v0.1.0');
    expect(flagged.exitCode).toBe(1);
    const [finding, ...more] = versionFindings(flagged.stdout);
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ file: 'Chart.yaml' });
    expect(finding?.message).toBe('templates/deployment.yaml, templates/extra.yaml changed since v0.1.0, but the chart version is still 0.1.0; run `chartwright bump`');
    // The text report (stdout) says it too, under Chart.yaml.
    const text = await runCli(['test', 'charts/telemetry-viewer', '--since', 'v0.1.0', '--values', 'values.yaml', '--kube-version', '1.35'], { cwd: repo, env: { HELM_BIN: helm4.path } });
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/ {2}Chart\.yaml\n\s+error\s+\[version-bump\] templates\/deployment\.yaml, templates\/extra\.yaml changed since v0\.1\.0/);
    expect(text.stderr).toBe('');

    const bumped = await runCli(['bump', chart], { cwd: repo });
    expect(bumped.stdout).toBe('0.2.0\n');
    const passed = await since(repo, 'v0.1.0');
    expect(passed.exitCode, passed.stderr).toBe(0);
    expect(versionFindings(passed.stdout)).toEqual([]);

    // Committed changes count as well, and a version lower than at REF is no bump.
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-q', '-m', 'telemetry-viewer 0.2.0');
    await rewrite(chart, 'Chart.yaml', /^version: .*$/m, 'version: 0.0.9');
    const lower = await since(repo, 'v0.1.0');
    expect(lower.exitCode).toBe(1);
    expect(versionFindings(lower.stdout)[0]?.message).toContain('but the chart version 0.0.9 is not higher than 0.1.0 there');
  });

  it('passes a chart that did not exist at REF', async () => {
    const repo = await tempDir('chartwright-since-');
    await writeFile(join(repo, 'README.md'), 'charts\n');
    await git(repo, 'init', '-q');
    await git(repo, 'add', '-A');
    await git(repo, 'commit', '-q', '-m', 'start');
    await mkdir(join(repo, 'charts'));
    await copyExample('telemetry-viewer', join(repo, 'charts'));
    const result = await since(repo, 'HEAD');
    expect(result.exitCode, result.stderr).toBe(0);
    const check = (JSON.parse(result.stdout) as Report).charts[0]?.stages.find((stage) => stage.stage === 'version-bump');
    expect(check).toMatchObject({ status: 'passed', reason: 'chart version against HEAD: the chart is new since then' });
  });

  it('is a usage error outside a git repository or with an unknown ref', async () => {
    const outside = await tempDir('chartwright-since-');
    await mkdir(join(outside, 'charts'));
    await copyExample('telemetry-viewer', join(outside, 'charts'));
    const notGit = await since(outside, 'HEAD');
    expect(notGit.exitCode).toBe(2);
    expect(notGit.stderr).toMatch(/--since needs a git repository, and .*telemetry-viewer is not inside one/);

    await git(outside, 'init', '-q');
    await git(outside, 'add', '-A');
    await git(outside, 'commit', '-q', '-m', 'start');
    const unknown = await since(outside, 'v9.9.9');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('invalid --since "v9.9.9": no such commit, branch or tag');
    const option = await since(outside, '--output=x');
    expect(option.exitCode).toBe(2);
  });
});
