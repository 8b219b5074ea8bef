// `chartwright regenerate`: the merge rules on small inputs, then the command on real charts
// (copies of charts/ or fresh `chartwright new` output) through the built CLI: conflicts and
// their markers, files the generator drops, dry runs, answer changes, bad input and failed writes.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { mergeChart } from '../src/regenerate/merge.js';
import { mergeText, OURS_MARKER, SEPARATOR, THEIRS_MARKER } from '../src/regenerate/textMerge.js';
import { mergeYaml } from '../src/regenerate/yamlMerge.js';
import { runCli, stagingLeftovers, tempDir } from './support/cli.js';
import { helmBinaries, isolatedHelmEnv, repoRoot } from './support/tools.js';

const BASE = '.chartwright/base';

// ---------------------------------------------------------------------------------------------
// Merge rules

describe('text merge', () => {
  it('takes changes from both sides when they touch different lines', () => {
    const base = 'a\nb\nc\nd\ne\n';
    const merged = mergeText('a\nB\nc\nd\ne\n', base, 'a\nb\nc\nd\nE\n');
    expect(merged).toEqual({ content: 'a\nB\nc\nd\nE\n', conflicts: 0 });
  });

  it('writes standard markers, ours first, when both change the same line', () => {
    const merged = mergeText('a\nmine\nc\n', 'a\nb\nc\n', 'a\ntheirs\nc\n');
    expect(merged.conflicts).toBe(1);
    expect(merged.content).toBe(`a\n${OURS_MARKER}\nmine\n${SEPARATOR}\ntheirs\n${THEIRS_MARKER}\nc\n`);
  });

  it('takes the same change made on both sides once', () => {
    expect(mergeText('a\nx\nc\n', 'a\nb\nc\n', 'a\nx\nc\n')).toEqual({ content: 'a\nx\nc\n', conflicts: 0 });
  });
});

describe('YAML merge', () => {
  const base = ['# -- Replicas', 'replicaCount: 1', '# -- Config', 'config:', '  LOG_LEVEL: info', '# -- Env', 'extraEnv: []', ''].join('\n');

  it("keeps the user's added keys and comments when the generator reorders and adds keys", () => {
    const ours = ['# -- Replicas', 'replicaCount: 1', '# -- Config', 'config:', '  LOG_LEVEL: info', '  # ours: audit trail', '  AUDIT: "on"', '# -- Env', 'extraEnv: []', ''].join('\n');
    const theirs = ['# -- Env', 'extraEnv: []', '# -- Config', 'config:', '  LOG_LEVEL: info', '# -- Replicas', 'replicaCount: 2', '# -- Tolerations', 'tolerations: []', ''].join('\n');
    const merged = mergeYaml(ours, base, theirs);
    expect(merged?.conflicts).toEqual([]);
    const content = merged?.content as string;
    expect(parseYaml(content)).toEqual({ replicaCount: 2, config: { LOG_LEVEL: 'info', AUDIT: 'on' }, extraEnv: [], tolerations: [] });
    expect(content).toContain('# ours: audit trail');
    // The new key arrives with the generator's documentation comment.
    expect(content).toContain('# -- Tolerations\ntolerations: []');
  });

  it('is a conflict when both change the same scalar, naming the key', () => {
    const ours = base.replace('LOG_LEVEL: info', 'LOG_LEVEL: warn');
    const theirs = base.replace('LOG_LEVEL: info', 'LOG_LEVEL: debug');
    expect(mergeYaml(ours, base, theirs)).toEqual({ conflicts: ['config.LOG_LEVEL'] });
  });

  it('merges named list items (env vars) added on both sides', () => {
    const ours = base.replace('extraEnv: []', 'extraEnv:\n  - name: TZ\n    value: UTC');
    const theirs = base.replace('extraEnv: []', 'extraEnv:\n  - name: GOMAXPROCS\n    value: "2"');
    // An item the generator puts first (nothing of its own before it) stays first.
    expect(parseYaml(mergeYaml(ours, base, theirs)?.content as string).extraEnv).toEqual([
      { name: 'GOMAXPROCS', value: '2' },
      { name: 'TZ', value: 'UTC' },
    ]);
  });

  it('leaves files with anchors and aliases to the text merge', () => {
    const ours = base.replace('extraEnv: []', 'defaults: &defaults\n  a: 1\nextraEnv: []\nother: *defaults');
    expect(mergeYaml(ours, base, base.replace('replicaCount: 1', 'replicaCount: 2'))).toBeUndefined();
  });

  it('drops a key the generator removed, unless the user changed it', () => {
    const theirs = base.replace('# -- Replicas\nreplicaCount: 1\n', '');
    expect(parseYaml(mergeYaml(base, base, theirs)?.content as string)).not.toHaveProperty('replicaCount');
    expect(mergeYaml(base.replace('replicaCount: 1', 'replicaCount: 4'), base, theirs)).toEqual({ conflicts: ['replicaCount'] });
  });
});

describe('per-file outcomes', () => {
  const outcomes = (base: Record<string, string>, ours: Record<string, string>, theirs: Record<string, string>) =>
    Object.fromEntries(
      mergeChart({ base: new Map(Object.entries(base)), ours: new Map(Object.entries(ours)), theirs: new Map(Object.entries(theirs)) }).map((file) => [
        file.path,
        [file.outcome, file.after],
      ]),
    );

  it('tells every case apart', () => {
    const result = outcomes(
      { same: 'x\n', gen: 'x\n', user: 'x\n', both: 'a\nb\nc\nd\n', clash: 'x\n', gone: 'x\n', goneEdited: 'x\n', deleted: 'x\n', deletedChanged: 'x\n' },
      { same: 'x\n', gen: 'x\n', user: 'mine\n', both: 'A\nb\nc\nd\n', clash: 'mine\n', gone: 'x\n', goneEdited: 'mine\n' },
      { same: 'x\n', gen: 'new\n', user: 'x\n', both: 'a\nb\nc\nD\n', clash: 'new\n', deleted: 'x\n', deletedChanged: 'new\n', added: 'n\n' },
    );
    expect(result).toEqual({
      same: ['unchanged', 'x\n'],
      gen: ['updated', 'new\n'],
      user: ['unchanged', 'mine\n'],
      both: ['merged', 'A\nb\nc\nD\n'],
      clash: ['conflict', `${OURS_MARKER}\nmine\n${SEPARATOR}\nnew\n${THEIRS_MARKER}\n`],
      gone: ['removed', undefined],
      goneEdited: ['conflict', `${OURS_MARKER}\nmine\n${SEPARATOR}\n${THEIRS_MARKER}\n`],
      deleted: ['unchanged', undefined],
      deletedChanged: ['conflict', `${OURS_MARKER}\n${SEPARATOR}\nnew\n${THEIRS_MARKER}\n`],
      added: ['added', 'n\n'],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// The command on real charts

/** Every regular file below dir (FIFOs and the like are skipped, never read). */
async function tree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.set(relative(dir, full).split(sep).join('/'), await readFile(full, 'utf8'));
    }
  };
  await walk(dir);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function copyExample(name: string): Promise<string> {
  const dir = join(await tempDir('chartwright-regen-'), name);
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

describe('regenerate on a chart', () => {
  it('writes a conflict with markers, lists it and exits 1; refuses to run again until it is resolved', async () => {
    const dir = await copyExample('patient-records');
    // The older generator wrote 384Mi as the prod memory limit; today's writes 256Mi; the user set 1Gi.
    const limit = /^(    # -- Memory limits\n    memory: )"?256Mi"?$/m;
    for (const path of ['values-prod.yaml', `${BASE}/values-prod.yaml`]) await rewrite(dir, path, limit, '$1"384Mi"');
    await rewrite(dir, 'values-prod.yaml', /^(    # -- Memory limits\n    memory: )"384Mi"$/m, '$1"1Gi"');
    await rewrite(dir, 'values.yaml', /^extraEnv: \[\]$/m, 'extraEnv:\n  - name: TZ\n    value: UTC');

    const result = await runCli(['regenerate', dir, '--set', 'class=C']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/CONFLICT\s+values-prod\.yaml/);
    expect(result.stderr).toContain('1 file(s) have conflicts');
    const prod = await read(dir, 'values-prod.yaml');
    expect(prod).toMatch(/^<<<<<<< ours\n {4}memory: "1Gi"\n=======\n {4}memory: "?256Mi"?\n>>>>>>> theirs$/m);
    // The rest of the regeneration happened: class C in prod, the user's env var kept.
    expect(prod).toMatch(/^replicaCount: 3$/m);
    expect((await yamlOf(dir, 'values.yaml')).extraEnv).toEqual([{ name: 'TZ', value: 'UTC' }]);
    expect((await yamlOf(dir, '.chartwright.yaml')).answers.safetyClass).toBe('C');
    expect(await read(dir, `${BASE}/values-prod.yaml`)).toContain('replicaCount: 3');

    const before = await tree(dir);
    const again = await runCli(['regenerate', dir]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('unresolved conflict markers in values-prod.yaml');
    expect(await tree(dir)).toEqual(before);

    // Resolved in the user's favour: the chart is then up to date.
    await writeFile(join(dir, 'values-prod.yaml'), prod.replace(/<<<<<<< ours\n(.*\n)=======\n.*\n>>>>>>> theirs\n/, '$1'));
    const resolved = await runCli(['regenerate', dir]);
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    expect(resolved.stderr).toContain('is up to date');
    expect((await yamlOf(dir, 'values-prod.yaml')).resources.limits.memory).toBe('1Gi');
  });

  it('deletes a template the generator dropped, but flags one the user edited as a conflict', async () => {
    const unedited = await copyExample('dose-calculator');
    // Merge outcomes only: the chart checks are regenerate-safety.test.ts's concern.
    const dropped = await runCli(['regenerate', unedited, '--set', 'service-monitor=false', '--no-verify']);
    expect(dropped.exitCode, dropped.stderr).toBe(0);
    expect(dropped.stderr).toMatch(/removed\s+templates\/servicemonitor\.yaml/);
    expect(existsSync(join(unedited, 'templates/servicemonitor.yaml'))).toBe(false);
    expect(existsSync(join(unedited, `${BASE}/templates/servicemonitor.yaml`))).toBe(false);
    expect(await yamlOf(unedited, 'values.yaml')).not.toHaveProperty('serviceMonitor');

    const edited = await copyExample('dose-calculator');
    await rewrite(edited, 'templates/servicemonitor.yaml', /^spec:$/m, 'spec:\n  # scraped by the hospital-wide Prometheus too');
    const kept = await runCli(['regenerate', edited, '--set', 'service-monitor=false', '--no-verify']);
    expect(kept.exitCode, kept.stderr).toBe(1);
    expect(kept.stderr).toMatch(/CONFLICT\s+templates\/servicemonitor\.yaml/);
    expect(kept.stderr).toContain('warning: templates/servicemonitor.yaml: no longer generated (service-monitor true → false), but edited by you');
    const text = await read(edited, 'templates/servicemonitor.yaml');
    expect(text).toContain('hospital-wide Prometheus');
    expect(text).toMatch(/^<<<<<<< ours\n[^]*\n=======\n>>>>>>> theirs\n$/);
  });

  it('brings back a deleted template the generator changed, as a conflict', async () => {
    const dir = await copyExample('telemetry-viewer');
    await rewrite(dir, `${BASE}/templates/ingress.yaml`, /^(apiVersion: .*)$/m, '# older generator\n$1');
    await unlink(join(dir, 'templates/ingress.yaml'));
    const result = await runCli(['regenerate', dir]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/CONFLICT\s+templates\/ingress\.yaml\s+\(deleted by you, changed by the generator\)/);
    expect(await read(dir, 'templates/ingress.yaml')).toMatch(/^<<<<<<< ours\n=======\n[^]*\n>>>>>>> theirs\n$/);
  });

  it('keeps the value of a key the generator renamed, under the new name', async () => {
    const dir = await copyExample('telemetry-viewer');
    for (const path of ['values.yaml', 'values.schema.json', 'templates/deployment.yaml', 'README.md']) {
      for (const file of [path, `${BASE}/${path}`]) await rewrite(dir, file, /tmpVolume/g, 'scratchVolume');
    }
    await rewrite(dir, 'values.yaml', /^(  sizeLimit: )"?64Mi"?$/m, '$1"128Mi"');
    const result = await runCli(['regenerate', dir]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/merged\s+values\.yaml/);
    const values = await yamlOf(dir, 'values.yaml');
    expect(values.tmpVolume).toEqual({ sizeLimit: '128Mi' });
    expect(values).not.toHaveProperty('scratchVolume');
  });

  it('--dry-run prints each outcome and a unified diff, writes nothing, and predicts the exit code', async () => {
    const dir = await copyExample('patient-records');
    await rewrite(dir, 'templates/_helpers.tpl', /^(app\.kubernetes\.io\/managed-by: .*)$/m, '$1\nteam: records');
    const before = await tree(dir);
    const result = await runCli(['regenerate', dir, '--set', 'class=C', '--dry-run']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await tree(dir)).toEqual(before);
    expect(result.stdout).toMatch(/^updated {3}values-prod\.yaml$/m);
    expect(result.stdout).toMatch(/^unchanged templates\/_helpers\.tpl {2}\(your edits kept\)$/m);
    expect(result.stdout).toContain('--- a/values-prod.yaml\n+++ b/values-prod.yaml\n@@ ');
    expect(result.stdout).toMatch(/^-replicaCount: 2\n\+replicaCount: 3$/m);
    expect(result.stderr).toContain('dry run: nothing written');

    await rewrite(dir, 'values-prod.yaml', /^replicaCount: 2$/m, 'replicaCount: 4');
    const conflicting = await runCli(['regenerate', dir, '--set', 'class=C', '--dry-run']);
    expect(conflicting.exitCode).toBe(1);
    expect(conflicting.stdout).toMatch(/^CONFLICT {2}values-prod\.yaml/m);
    expect(conflicting.stdout).toContain('+<<<<<<< ours');
  });

  it.each([
    [['--set', 'class=D'], 'invalid --set class "D": must be one of A, B, C'],
    [['--set', 'colour=blue'], 'unknown answer "colour"; known answers: name, description, class (safetyClass)'],
    [['--set', 'class'], 'invalid --set "class": must be KEY=VALUE'],
    [['--set', 'port=80'], 'invalid --set port "80": must be between 1024 and 65535'],
    [['--add-dependency', 'mysql'], 'invalid --add-dependency "mysql": must be one of: postgresql, redis'],
    [['--set', 'backup=true'], 'invalid --backup true: needs --dependencies postgresql'],
    [['--answers', 'no-such-file.yaml'], 'cannot read --answers no-such-file.yaml'],
  ])('rejects %j with exit 2, naming the field and the rule, and writes nothing', async (args, message) => {
    const dir = await copyExample('telemetry-viewer');
    const before = await tree(dir);
    const result = await runCli(['regenerate', dir, ...args]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await tree(dir)).toEqual(before);
  });

  it('refuses a chart chartwright did not make', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: x\nversion: 0.1.0\n');
    const result = await runCli(['regenerate', dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('has no .chartwright.yaml: only charts made by chartwright new can be regenerated');
  });

  it('leaves the chart as it was when the write fails', async () => {
    const dir = await copyExample('telemetry-viewer');
    // A directory where the class C plan puts a file: the write is refused before anything moves.
    await mkdir(join(dir, 'templates', 'networkpolicy.yaml.d'), { recursive: true });
    await rm(join(dir, 'README.md'));
    await mkdir(join(dir, 'README.md', 'notes'), { recursive: true });
    const before = await tree(dir);
    const result = await runCli(['regenerate', dir, '--set', 'class=C']);
    expect(result.exitCode).not.toBe(0);
    expect(await tree(dir)).toEqual(before);
    expect(await stagingLeftovers(join(dir, '..'))).toEqual([]);
  });

  it('adds a dependency and takes answers from a file', async () => {
    const dir = await copyExample('telemetry-viewer');
    await rewrite(dir, 'Chart.yaml', /^version: "?0\.1\.0"?$/m, 'version: "0.3.0"');
    const answers = join(dir, '..', 'answers.yaml');
    await writeFile(answers, 'ingress: true\ningress-host: telemetry.example.org\ningress-controller-namespace: ingress-nginx\n');
    const result = await runCli(['regenerate', dir, '--add-dependency', 'redis', '--set', 'redis-provider=external', '--answers', answers]);
    expect(result.exitCode, result.stderr).toBe(0);
    const saved = (await yamlOf(dir, '.chartwright.yaml')).answers;
    expect(saved).toMatchObject({ dependencies: ['redis'], redisProvider: 'external', ingress: true, ingressHost: 'telemetry.example.org' });
    const values = await yamlOf(dir, 'values.yaml');
    expect(values.externalRedis.host).toBe('redis.example.internal');
    expect(values.ingress).toMatchObject({ enabled: true, host: 'telemetry.example.org' });
    // The user's own Chart.yaml edit survives.
    expect((await yamlOf(dir, 'Chart.yaml')).version).toBe('0.3.0');
    expect(await read(dir, 'templates/deployment.yaml')).toContain('REDIS_HOST');
  });

  it('merges against the current generator when the snapshot is missing, and then records one', async () => {
    const dir = await copyExample('telemetry-viewer');
    await rm(join(dir, '.chartwright', 'base'), { recursive: true });
    const before = await tree(dir);
    const result = await runCli(['regenerate', dir]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('has no .chartwright/base/');
    const after = await tree(dir);
    for (const [path, content] of before) expect(after.get(path), path).toBe(content);
    expect(after.get(`${BASE}/values.yaml`)).toBe(before.get('values.yaml'));
  });
});

describe('moving a class B chart to class C', () => {
  const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;

  it('gains the class C defaults and keeps the user edits; the chart still passes chartwright test', async () => {
    const cwd = await tempDir();
    const dir = join(cwd, 'infusion-log');
    const created = await runCli(['new', dir, '--yes', '--no-verify', '--class', 'B', '--image', 'registry.example.com/infusion-log:1.0.0']);
    expect(created.exitCode, created.stderr).toBe(0);
    await rewrite(dir, 'values.yaml', /^extraEnv: \[\]$/m, 'extraEnv:\n  - name: PUMP_GATEWAY_URL\n    value: https://pumps.example.internal');
    await rewrite(dir, 'values-prod.yaml', /^(    cpu: )"?100m"?$/m, '$1"300m"');
    await mkdir(join(dir, 'templates'), { recursive: true });
    await writeFile(join(dir, 'templates', 'extra.yaml'), '# site-specific objects go here\n');

    const result = await runCli(['regenerate', dir, '--set', 'class=C']);
    expect(result.exitCode, result.stderr).toBe(0);
    const prod = await yamlOf(dir, 'values-prod.yaml');
    expect(prod.replicaCount).toBe(3);
    expect(prod.autoscaling.minReplicas).toBe(3);
    expect(prod.topologySpread.whenUnsatisfiable).toBe('DoNotSchedule');
    expect(prod.resources.requests.cpu).toBe('300m');
    const values = await yamlOf(dir, 'values.yaml');
    expect(values.networkPolicy.defaultDeny).toBe(true);
    expect(values.extraEnv).toEqual([{ name: 'PUMP_GATEWAY_URL', value: 'https://pumps.example.internal' }]);
    expect(await read(dir, 'templates/extra.yaml')).toBe('# site-specific objects go here\n');
    expect((await yamlOf(dir, 'Chart.yaml')).annotations['chartwright.io/iec62304-class']).toBe('C');

    // helm renders the deny-all policy class C asks for.
    const rendered = execFileSync(helm4.path, ['template', 'rel', dir, '-f', join(dir, 'values-prod.yaml'), '--kube-version', '1.35'], {
      encoding: 'utf8',
      env: isolatedHelmEnv(join(cwd, 'helm-home')),
    });
    const kinds = parseAllDocuments(rendered).map((doc) => doc.toJS() as { kind?: string; metadata?: { name?: string } } | null);
    expect(kinds.some((object) => object?.kind === 'NetworkPolicy' && object.metadata?.name?.endsWith('-default-deny'))).toBe(true);

    const tested = await runCli(['test', dir, '--values', 'values.yaml', '--values', 'values-prod.yaml', '--kube-version', '1.35'], { env: { HELM_BIN: helm4.path } });
    expect(tested.exitCode, tested.stderr).toBe(0);
  });
});
