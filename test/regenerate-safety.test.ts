// Regenerate must leave a chart that works: each case edits a freshly generated chart the way a
// team would, regenerates through the built CLI, and checks the outcome, the exit code, the
// message, and with real helm (.tools, both majors) that the result renders.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { findClashes } from '../src/regenerate/clashes.js';
import { helperRenames, renameCalls } from '../src/regenerate/helpers.js';
import { inStyle, lineStyleOf, normalised } from '../src/regenerate/lineEndings.js';
import { runCli, tempDir } from './support/cli.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

const read = (dir: string, path: string) => readFile(join(dir, path), 'utf8');
async function edit(dir: string, path: string, change: (text: string) => string) {
  const before = await read(dir, path);
  const after = change(before);
  if (after === before) throw new Error(`edit did not apply to ${path}`);
  await writeFile(join(dir, path), after);
}

async function newChart(name: string, ...flags: string[]): Promise<string> {
  const dir = join(await tempDir('chartwright-safety-'), name);
  const made = await runCli(['new', dir, '--yes', '--no-verify', ...flags]);
  expect(made.exitCode, made.stderr).toBe(0);
  return dir;
}

/** `helm template` with each helm binary; returns the kinds and names of what rendered. */
function render(dir: string, ...values: string[]): { kind: string; name: string }[][] {
  return helmBinaries().map((helm) => {
    const out = execFileSync(helm.path, ['template', 'rel', dir, ...values.flatMap((file) => ['-f', join(dir, file)])], {
      encoding: 'utf8',
      env: isolatedHelmEnv(join(dir, '..', `home-${helm.label}`)),
    });
    return parseAllDocuments(out)
      .map((doc) => doc.toJS() as { kind?: string; metadata?: { name?: string } } | null)
      .filter((doc) => doc?.kind)
      .map((doc) => ({ kind: String(doc?.kind), name: String(doc?.metadata?.name) }));
  });
}

const EXTRA = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "svc.fullname" . }}-extra\n  labels:\n    {{- include "svc.labels" . | nindent 4 }}\ndata:\n  site: north\n';

describe('--set name= renames the helpers', () => {
  it("carries the rename into the user's own templates; the chart lints and renders", async () => {
    const dir = await newChart('svc', '--class', 'B');
    await writeFile(join(dir, 'templates', 'extra.yaml'), EXTRA);
    const result = await runCli(['regenerate', dir, '--set', 'name=care-svc']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/renamed\s+templates\/extra\.yaml {2}\(your file: 2 call\(s\) of renamed helpers \(svc\.\* → care-svc\.\*\) carried over\)/);
    expect(result.stderr).toMatch(/checked: \d+ checks passed \(lint, template, schema and policy/);
    expect(await read(dir, 'templates/extra.yaml')).toBe(EXTRA.replaceAll('"svc.', '"care-svc.'));
    for (const objects of render(dir)) expect(objects).toContainEqual({ kind: 'ConfigMap', name: 'rel-care-svc-extra' });
  });

  it('leaves helpers the user defines alone, and flags calls of helpers the generator no longer defines', async () => {
    const dir = await newChart('svc');
    // The last generation also defined svc.legacy (as an older generator might have); this one does not.
    await edit(dir, '.chartwright/base/templates/_helpers.tpl', (text) => `${text}\n{{- define "svc.legacy" -}}x{{- end }}\n`);
    await writeFile(join(dir, 'templates', '_mine.tpl'), '{{- define "svc.mine" -}}site{{- end }}\n');
    await writeFile(join(dir, 'templates', 'extra.yaml'), `${EXTRA}  mine: {{ include "svc.mine" . }}\n  legacy: {{ include "svc.legacy" . }}\n`);
    const result = await runCli(['regenerate', dir, '--set', 'name=care-svc']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('templates/extra.yaml: your file: 2 call(s) of renamed helpers (svc.* → care-svc.*) carried over; calls "svc.legacy", which the generator no longer defines');
    const extra = await read(dir, 'templates/extra.yaml');
    expect(extra).toContain('{{ include "svc.mine" . }}');
    expect(extra).toContain('{{ include "care-svc.fullname" . }}');
  });
});

describe('a part switched off', () => {
  it('an edited file of it is a conflict with markers, not silently kept; once deleted, the chart lints', async () => {
    const dir = await newChart('svc', '--persistence');
    await edit(dir, 'templates/pvc.yaml', (text) => `# sized for the imaging archive\n${text}`);
    const result = await runCli(['regenerate', dir, '--set', 'persistence=false']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/CONFLICT\s+templates\/pvc\.yaml {2}\(no longer generated \(persistence true → false\), but edited by you/);
    const pvc = await read(dir, 'templates/pvc.yaml');
    expect(pvc).toMatch(/^<<<<<<< ours\n# sized for the imaging archive\n[^]*=======\n>>>>>>> theirs\n$/);
    expect(parseYaml(await read(dir, 'values.yaml'))).not.toHaveProperty('persistence');

    const blocked = await runCli(['regenerate', dir]);
    expect(blocked.exitCode).toBe(2);
    expect(blocked.stderr).toContain('unresolved conflict markers in templates/pvc.yaml');
    await rm(join(dir, 'templates', 'pvc.yaml'));
    const resolved = await runCli(['regenerate', dir]);
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    for (const objects of render(dir, 'values-prod.yaml')) expect(objects.map((object) => object.kind)).not.toContain('PersistentVolumeClaim');
  });

  it("a template of the user's that reads the part's values fails helm template: exit 1, and says why", async () => {
    const dir = await newChart('svc', '--persistence');
    await writeFile(join(dir, 'templates', 'backup-note.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: backup-note\ndata:\n  size: {{ .Values.persistence.size | quote }}\n');
    const result = await runCli(['regenerate', dir, '--set', 'persistence=false']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/templates\/backup-note\.yaml\n\s+error\s+\[render\] line 6/);
    expect(result.stderr).toContain('nil pointer evaluating interface {}.size');
    expect(result.stderr).toContain('the regenerated chart fails the checks `chartwright new` makes (see above)');
  });
});

describe('values that clash with the new class defaults', () => {
  it("the user's PDB minAvailable beside maxUnavailable, once class C enables the PDB: a conflict naming both", async () => {
    const dir = await newChart('svc', '--class', 'A');
    await edit(dir, 'values.yaml', (text) => text.replace(/(podDisruptionBudget:[^]*?)minAvailable: null/, '$1minAvailable: 1'));
    const result = await runCli(['regenerate', dir, '--set', 'class=C']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'values.yaml: podDisruptionBudget.minAvailable: 1 (yours, values.yaml) and podDisruptionBudget.maxUnavailable: 1 (default, values.yaml) are both set with values.yaml alone now that podDisruptionBudget.enabled is true (new default)',
    );
    // Resolved as the message says: the next run is clean and the chart renders its PDB.
    await edit(dir, 'values.yaml', (text) => text.replace(/maxUnavailable: 1/, 'maxUnavailable: null'));
    const resolved = await runCli(['regenerate', dir]);
    expect(resolved.exitCode, resolved.stderr).toBe(0);
    for (const objects of render(dir)) expect(objects).toContainEqual({ kind: 'PodDisruptionBudget', name: 'rel-svc' });
  });

  it('finds a clash across values.yaml and an overlay, as helm merges them (null removes a key)', () => {
    const values = 'podDisruptionBudget:\n  enabled: true\n  minAvailable: null\n  maxUnavailable: 1\n';
    const clashing = findClashes([
      { path: 'values.yaml', merged: values, base: values, theirs: values },
      { path: 'values-prod.yaml', merged: 'podDisruptionBudget:\n  minAvailable: 2\n', base: 'podDisruptionBudget:\n  minAvailable: 1\n  maxUnavailable: null\n' },
      { path: 'values-dev.yaml', merged: 'podDisruptionBudget:\n  minAvailable: 2\n  maxUnavailable: null\n' },
    ]);
    expect(clashing).toHaveLength(1);
    expect(clashing[0]?.path).toBe('values-prod.yaml');
    expect(clashing[0]?.message).toContain('are both set with -f values-prod.yaml');
    expect(findClashes([{ path: 'values.yaml', merged: values.replace('enabled: true', 'enabled: false').replace('null', '1') }])).toEqual([]);
  });
});

describe('line endings', () => {
  it('a CRLF file comes back CRLF, with the generator changes and the user edits', async () => {
    const dir = await newChart('svc', '--class', 'B');
    await edit(dir, 'values-prod.yaml', (text) => text.replace(/^replicaCount: 2$/m, 'replicaCount: 2 # reviewed').replace(/\n/g, '\r\n'));
    await edit(dir, 'templates/hpa.yaml', (text) => text.replace(/\n/g, '\r\n'));
    const result = await runCli(['regenerate', dir, '--set', 'class=C']);
    expect(result.exitCode, result.stderr).toBe(0);
    const prod = await read(dir, 'values-prod.yaml');
    expect(prod.split('\r\n').length).toBeGreaterThan(10);
    expect(prod.replace(/\r\n/g, '')).not.toContain('\n');
    // The user's comment on a line class C changes is kept on the new value.
    expect(prod).toMatch(/^replicaCount: 3 # reviewed\r$/m);
    const hpa = await read(dir, 'templates/hpa.yaml');
    expect(hpa.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('normalises for the merge and restores the style, BOM included', () => {
    const crlf = '\uFEFFa: 1\r\nb: 2\r\n';
    const style = lineStyleOf(crlf);
    expect(style).toEqual({ crlf: true, bom: true });
    expect(normalised(crlf)).toBe('a: 1\nb: 2\n');
    expect(inStyle('a: 1\nb: 3\n', style)).toBe('\uFEFFa: 1\r\nb: 3\r\n');
    expect(lineStyleOf('a\nb\r\nc\n')).toEqual({ crlf: false, bom: false });
  });
});

describe('helper renames, as functions', () => {
  it('maps old helper names to new ones the generator defines, and reports the rest as gone', () => {
    const helpers = helperRenames('svc', 'care', ['{{- define "svc.fullname" -}}{{- end }}{{- define "svc.old" -}}{{- end }}'], ['{{- define "care.fullname" -}}{{- end }}']);
    expect([...helpers.renames]).toEqual([['svc.fullname', 'care.fullname']]);
    expect([...helpers.gone]).toEqual(['svc.old']);
    const renamed = renameCalls('{{ include "svc.fullname" . }} {{ template "svc.fullname" }} {{ include ( "svc.old" ) }} {{ include "other.x" . }}', helpers, new Set());
    expect(renamed).toEqual({ content: '{{ include "care.fullname" . }} {{ template "care.fullname" }} {{ include ( "svc.old" ) }} {{ include "other.x" . }}', renamed: 2, missing: ['svc.old'] });
  });
});

describe('dependencies not fetched yet', () => {
  it('checks the chart without them and says so', async () => {
    const dir = await newChart('svc', '--dependencies', 'redis');
    expect(existsSync(join(dir, 'charts'))).toBe(false);
    const result = await runCli(['regenerate', dir, '--set', 'class=B']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('checked without valkey: not in charts/');
    expect(result.stderr).toMatch(/checked: \d+ checks passed/);
  });
});
