// The built CLI as users and CI run it: a child process with no terminal. Covers help, exit
// codes, error messages, what is (not) written, --force, --answers, determinism and verification
// with both provisioned helm majors.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { FIELDS } from '../src/answers/fields.js';
import { readTree, runCli, stagingLeftovers, tempDir } from './support/cli.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

const NO_STACK = /^\s{4}at /m;

async function expectEmpty(dir: string) {
  expect(await readdir(dir)).toEqual([]);
}

async function expectNoStaging(dir: string) {
  expect(await stagingLeftovers(dir)).toEqual([]);
}

const yamlOf = async (path: string) => parseYaml(await readFile(path, 'utf8'), { version: '1.1' }) as Record<string, any>;

describe('help', () => {
  const extras = ['--yes', '--answers', '--dry-run', '--force', '--no-verify', '--helm', '--mirror'];

  it.each([[['new', '--help']], [['help', 'new']]])('%j lists every answer flag, the run flags and the exit codes', async (args) => {
    const { exitCode, stdout } = await runCli(args);
    expect(exitCode).toBe(0);
    for (const field of FIELDS) {
      expect(stdout).toMatch(new RegExp(`^\\s+--${field.flag}\\b`, 'm'));
      // Booleans can be declined; the help line says how.
      if (!field.argName) expect(stdout).toContain(`--no-${field.flag}`);
    }
    for (const flag of extras) expect(stdout).toMatch(new RegExp(`^\\s+(-y, )?${flag}\\b`, 'm'));
    expect(stdout).toMatch(/Exit codes:\n\s+0\s.*\n\s+1\s.*\n\s+2\s.*\n\s+3\s.*helm.*\n\s+70\s+internal error.*\n\s+130\s+interrupted/);
  });

  it('top-level --help shows the new command and the exit codes', async () => {
    const { exitCode, stdout } = await runCli(['--help']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^\s+new \[options\] \[directory\]/m);
    expect(stdout).toMatch(/Exit codes:[\s\S]*2\s+bad usage[\s\S]*130\s+interrupted/);
  });

  it('an unknown option exits 2 with a hint, no stack', async () => {
    const { exitCode, stderr } = await runCli(['new', '--colour', 'blue']);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/unknown option '--colour'/);
    expect(stderr).not.toMatch(NO_STACK);
  });
});

describe('new without a terminal', () => {
  it('exits 2 at once listing every missing flag, and writes nothing', async () => {
    const cwd = await tempDir();
    const { exitCode, stdout, stderr } = await runCli(['new'], { cwd });
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    for (const flag of ['--name', '--description', '--class', '--image', '--port', '--dependencies', '--maintainer-name', '--maintainer-email']) {
      expect(stderr).toMatch(new RegExp(`^\\s+${flag}\\b`, 'm'));
    }
    expect(stderr).toContain('--yes');
    expect(stderr).not.toMatch(NO_STACK);
    await expectEmpty(cwd);
  });

  it.each([
    [['--port', '80'], '--port', '"80"', /below 1024 need root/],
    [['--name', 'Bad_Name'], '--name', '"Bad_Name"', /DNS-1123 label/],
    [['--image', 'app:latest'], '--image', '"app:latest"', /must not use the tag "latest"/],
    [['--class', 'D'], '--class', '"D"', /one of A, B, C/],
    [['--maintainer-email', 'nope'], '--maintainer-email', '"nope"', /email address like team@example.com/],
    [['--dependencies', 'mongodb'], '--dependencies', '"mongodb"', /postgresql, redis/],
    [['--ingress', '--ingress-host', '10.0.0.1'], '--ingress-host', '"10.0.0.1"', /not an IP address/],
    [['--backup'], '--backup', 'true', /needs --dependencies postgresql with --postgresql-provider in-cluster or cloudnative-pg/],
  ])('%j exits 2 naming the flag, the value and the rule; nothing written', async (flags, flag, value, ruleText) => {
    const cwd = await tempDir();
    const { exitCode, stderr } = await runCli(['new', '--yes', '--no-verify', 'out', ...flags], { cwd });
    expect(exitCode).toBe(2);
    const line = stderr.split('\n').find((text) => text.includes(flag)) ?? '';
    expect(line).toContain(value);
    expect(line).toMatch(ruleText);
    expect(stderr).not.toMatch(NO_STACK);
    expect(stderr).not.toContain('internal error');
    await expectEmpty(cwd);
  });

  it('ends with a hint whose cd works for a directory that starts with a dash', async () => {
    const cwd = await tempDir();
    const { exitCode, stderr } = await runCli(['new', '--yes', '--no-verify', '--', '-svc'], { cwd });
    expect(exitCode, stderr).toBe(0);
    const hint = /^\s+(cd .*)$/m.exec(stderr)?.[1] ?? '';
    expect(hint).toMatch(/^cd \.\/-svc && /);
    // The cd of the hint, run by a shell, lands in the chart.
    const { execa } = await import('execa');
    const shell = await execa('sh', ['-c', `${hint.split(' && ')[0]} && pwd`], { cwd });
    expect(shell.stdout).toBe(join(cwd, '-svc'));
  });
});

describe('new --dry-run', () => {
  it('prints every path with its byte size and writes nothing', async () => {
    const cwd = await tempDir();
    const { exitCode, stdout } = await runCli(['new', '--yes', '--dry-run', 'svc', '--persistence'], { cwd });
    expect(exitCode).toBe(0);
    await expectEmpty(cwd);
    const listed = new Map<string, number>();
    for (const line of stdout.trimEnd().split('\n').slice(0, -1)) {
      const match = /^\s*(\d+)\s{2}svc\/(\S+)$/.exec(line);
      expect(match, line).not.toBeNull();
      listed.set(match![2]!, Number(match![1]));
    }
    expect(stdout).toMatch(/\n\s*\d+\s+total, (\d+) files \(dry run: nothing written\)\n$/);

    // The sizes are those of the files a real run writes.
    const real = await tempDir();
    expect((await runCli(['new', '--yes', '--no-verify', 'svc', '--persistence'], { cwd: real })).exitCode).toBe(0);
    const written = await readTree(join(real, 'svc'));
    expect([...listed.keys()].sort()).toEqual([...written.keys()].sort());
    for (const [path, bytes] of written) expect(listed.get(path), path).toBe(bytes.length);
    expect(listed.has('templates/pvc.yaml')).toBe(true);
    const total = Number(/(\d+)\s+total/.exec(stdout)![1]);
    expect(total).toBe([...written.values()].reduce((sum, bytes) => sum + bytes.length, 0));
  });
});

describe('new into an existing directory', () => {
  async function seeded() {
    const cwd = await tempDir();
    const target = join(cwd, 'svc');
    await mkdir(join(target, 'templates'), { recursive: true });
    await writeFile(join(target, 'NOTES-of-mine.md'), 'my notes\n');
    await writeFile(join(target, 'Chart.yaml'), 'name: hand-edited\n');
    await writeFile(join(target, 'templates', 'extra.yaml'), '# mine\n');
    return { cwd, target };
  }

  it('refuses a non-empty directory with exit 2 and leaves it byte-identical', async () => {
    const { cwd, target } = await seeded();
    const before = await readTree(cwd);
    const { exitCode, stderr } = await runCli(['new', '--yes', '--no-verify', 'svc'], { cwd });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/svc exists and is not empty.*--force/);
    expect(await readTree(cwd)).toEqual(before);
    await expectNoStaging(cwd);
    expect(await readdir(target)).toHaveLength(3);
  });

  it('accepts an empty directory without --force', async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, 'svc'));
    expect((await runCli(['new', '--yes', '--no-verify', 'svc'], { cwd })).exitCode).toBe(0);
    expect(existsSync(join(cwd, 'svc', 'Chart.yaml'))).toBe(true);
    await expectNoStaging(cwd);
  });

  it('refuses a target that is a file', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'svc'), 'x');
    const { exitCode, stderr } = await runCli(['new', '--yes', '--no-verify', 'svc', '--force'], { cwd });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/not a directory/);
    expect(await readFile(join(cwd, 'svc'), 'utf8')).toBe('x');
    await expectNoStaging(cwd);
  });

  it('with --force keeps the user files and replaces the generated ones', async () => {
    const { cwd, target } = await seeded();
    const { exitCode } = await runCli(['new', '--yes', '--no-verify', '--force', 'svc'], { cwd });
    expect(exitCode).toBe(0);
    expect(await readFile(join(target, 'NOTES-of-mine.md'), 'utf8')).toBe('my notes\n');
    expect(await readFile(join(target, 'templates', 'extra.yaml'), 'utf8')).toBe('# mine\n');

    const fresh = await tempDir();
    await runCli(['new', '--yes', '--no-verify', 'svc'], { cwd: fresh });
    const generated = await readTree(join(fresh, 'svc'));
    const now = await readTree(target);
    for (const [path, bytes] of generated) expect(now.get(path)?.toString(), path).toBe(bytes.toString());
    expect([...now.keys()].sort()).toEqual([...generated.keys(), 'NOTES-of-mine.md', 'templates/extra.yaml'].sort());
    await expectNoStaging(cwd);
  });

  // Regression: --force used to copy the old tree and only overwrite planned files, so an
  // optional template dropped by the new answers stays behind, still reads values that no longer
  // exist, and the regenerated chart failed helm lint/template.
  it('with --force, optional templates the new answers dropped do not survive', async () => {
    const cwd = await tempDir();
    expect((await runCli(['new', '--yes', '--no-verify', 'svc', '--persistence', '--service-monitor'], { cwd })).exitCode).toBe(0);
    expect(existsSync(join(cwd, 'svc', 'templates', 'servicemonitor.yaml'))).toBe(true);
    const [helm4] = helmBinaries().filter((helm) => helm.label === 'helm4');
    const { exitCode, stderr } = await runCli(['new', '--yes', '--force', 'svc'], {
      cwd,
      env: { ...(isolatedHelmEnv(join(cwd, 'helm-home')) as Record<string, string>), HELM_BIN: helm4!.path },
    });
    expect(stderr).not.toMatch(/FAIL/);
    expect(exitCode).toBe(0);
  });
});

describe('new --answers', () => {
  it('reads every answer from the file (no --yes needed) and lets flags win over it', async () => {
    const cwd = await tempDir();
    await writeFile(
      join(cwd, 'answers.yaml'),
      [
        'name: from-file',
        'description: "From the file: # not a comment"',
        'class: a',
        'image: registry.example.com/team/app:2.3.4',
        'port: 9000',
        'dependencies: [redis]',
        'redis-provider: external',
        'ingress: true',
        'ingressHost: app.example.org',
        'ingress-class: traefik',
        'ingressControllerNamespace: traefik',
        'ingressTls: false',
        'persistence: false',
        'serviceMonitor: false',
        'maintainerName: File Maintainer',
        'maintainer-email: file@example.com',
        '',
      ].join('\n'),
    );
    const { exitCode, stderr } = await runCli(['new', '--answers', 'answers.yaml', '--port', '9100', '--no-verify', 'out'], { cwd });
    expect(stderr).not.toMatch(/missing/);
    expect(exitCode).toBe(0);
    const chart = await yamlOf(join(cwd, 'out', 'Chart.yaml'));
    expect(chart).toMatchObject({
      name: 'from-file',
      description: 'From the file: # not a comment',
      appVersion: '2.3.4',
      maintainers: [{ name: 'File Maintainer', email: 'file@example.com' }],
      annotations: { 'chartwright.io/iec62304-class': 'A' },
    });
    const saved = (await yamlOf(join(cwd, 'out', '.chartwright.yaml'))).answers;
    expect(saved).toMatchObject({ port: 9100, safetyClass: 'A', dependencies: ['redis'], redisProvider: 'external', ingressHost: 'app.example.org' });
    const values = await yamlOf(join(cwd, 'out', 'values.yaml'));
    expect(values.ingress.host).toBe('app.example.org');
    expect(JSON.stringify(values)).toContain('9100');
    expect(JSON.stringify(values)).not.toContain('9000');
    await expectNoStaging(cwd);
  });

  it.each([
    ['missing.yaml', null, /cannot read --answers missing\.yaml: ENOENT/],
    ['bad.yaml', 'name: [unclosed\n', /--answers bad\.yaml is not valid YAML/],
    ['list.yaml', '- name\n- port\n', /must be a YAML mapping/],
    ['unknown.yaml', 'name: svc\ncolour: blue\n', /unknown answer "colour"/],
    ['invalid.yaml', 'port: 80\n', /invalid port \(in invalid\.yaml\) 80: .*below 1024/],
    ['dir.yaml', 'DIRECTORY', /cannot read --answers dir\.yaml: EISDIR/],
  ])('%s → exit 2 with a reason, nothing written', async (file, content, reason) => {
    const cwd = await tempDir();
    if (content === 'DIRECTORY') await mkdir(join(cwd, file));
    else if (content !== null) await writeFile(join(cwd, file), content);
    const before = await readdir(cwd);
    const { exitCode, stderr } = await runCli(['new', '--yes', '--no-verify', '--answers', file, 'out'], { cwd });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(reason);
    expect(stderr).not.toMatch(NO_STACK);
    expect(await readdir(cwd)).toEqual(before);
  });
});

describe('determinism', () => {
  it('two runs with the same answers give byte-identical trees', async () => {
    const [first, second] = [await tempDir(), await tempDir()];
    const args = [
      'new', '--yes', 'x', '--no-verify', '--dependencies', 'postgresql,redis,nats', '--postgresql-provider', 'cloudnative-pg',
      '--ingress', '--ingress-controller-namespace', 'traefik', '--backup', '--service-monitor',
    ];
    expect((await runCli(args, { cwd: first })).exitCode).toBe(0);
    expect((await runCli(args, { cwd: second })).exitCode).toBe(0);
    const [a, b] = [await readTree(join(first, 'x')), await readTree(join(second, 'x'))];
    expect(a.size).toBeGreaterThan(10);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [path, bytes] of a) expect(b.get(path)?.equals(bytes), path).toBe(true);
  });
});

describe.each(helmBinaries())('verification with $label ($version)', (helm) => {
  it('new --yes writes the chart, lints and templates every values file, exits 0', async () => {
    const cwd = await tempDir();
    const env = { ...(isolatedHelmEnv(join(cwd, 'helm-home')) as Record<string, string>), HELM_BIN: helm.path };
    const { exitCode, stderr } = await runCli(['new', '--yes', 'svc'], { cwd, env });
    expect(stderr).toContain(`verifying with helm ${helm.version.replace(/^v/, '')} (HELM_BIN)`);
    // The static stages of `chartwright test` but the placeholder check: files and dependencies
    // once, lint per values set, template, schema and policy per values set and default minor (the
    // ci/ copies equal values-dev.yaml and values-prod.yaml). A passing chart gets one line.
    const checks = 2 + 3 * (1 + 3 * 3);
    expect(stderr).toMatch(new RegExp(`verified: ${checks} checks passed \\(lint, template, schema and policy for every values file and Kubernetes 1\\.35, 1\\.36, 1\\.37\\)`));
    expect(stderr).toMatch(/\d+ warnings? \(`chartwright test svc` shows them\)/);
    expect(stderr).not.toMatch(/FAIL/);
    expect(exitCode).toBe(0);
    expect(existsSync(join(cwd, 'svc', 'Chart.yaml'))).toBe(true);
    await expectNoStaging(cwd);
  });
});

describe('missing helm', () => {
  it('writes the chart, then exits 3 naming helm and how to install it', async () => {
    const cwd = await tempDir();
    const { exitCode, stderr } = await runCli(['new', '--yes', 'svc', '--helm', '/nonexistent/helm'], { cwd });
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/helm from --helm \(\/nonexistent\/helm\) is not usable/);
    expect(stderr).toMatch(/install Helm .*https:\/\/helm\.sh\/docs\/intro\/install\//);
    expect(stderr).toContain('--no-verify');
    expect(stderr).not.toMatch(NO_STACK);
    expect(existsSync(join(cwd, 'svc', 'Chart.yaml'))).toBe(true);
    expect(existsSync(join(cwd, 'svc', 'values.yaml'))).toBe(true);
    await expectNoStaging(cwd);
  });
});
