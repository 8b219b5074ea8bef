// `chartwright regenerate` over a corpus of realistic user edits on top of every example chart,
// crossed with generator changes. A generator change is simulated the way it happens: the chart
// (and its .chartwright/base snapshot) is what an older generator wrote, and today's generator
// writes something else. For every pair: what the user wrote survives (or is flagged as a
// conflict), what the generator changed arrives, and a second regenerate is a no-op. Then every
// example, with all edits and a class change, must still pass `chartwright test` offline.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { diffComm } from 'node-diff3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readSavedAnswers } from '../src/records/index.js';
import { CLASS_PROFILES } from '../src/chart/availability.js';
import { runRegenerate } from '../src/commands/regenerate.js';
import { HumanReporter } from '../src/report/human.js';
import { readTree, runCli } from './support/cli.js';
import { pushFixtureCharts, registryAvailable, startRegistry, type Registry } from './support/registry.js';
import { helmBinaries, isolatedHelmEnv, repoRoot } from './support/tools.js';

const EXAMPLES = ['alarm-gateway', 'dose-calculator', 'patient-records', 'telemetry-viewer'] as const;
type Example = (typeof EXAMPLES)[number];
const BASE = '.chartwright/base';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chartwright-regen-corpus-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

let counter = 0;
/** A copy of an example chart, without fetched dependencies. */
async function copyExample(name: Example): Promise<string> {
  const dir = join(work, `case-${++counter}`, name);
  await cp(join(repoRoot, 'charts', name), dir, { recursive: true, filter: (path) => !path.startsWith(join(repoRoot, 'charts', name, 'charts')) });
  return dir;
}

const text = async (dir: string, path: string) => readFile(join(dir, path), 'utf8');

/** Rewrites a file with `change`; fails loudly when the edit did not apply (the corpus drifted). */
async function edit(dir: string, path: string, change: (content: string) => string): Promise<void> {
  const before = await text(dir, path);
  const after = change(before);
  if (after === before) throw new Error(`corpus edit did not apply to ${path}`);
  await writeFile(join(dir, path), after);
}

const replace = (pattern: RegExp, replacement: string) => (content: string) => content.replace(pattern, replacement);

/**
 * Moves a top-level YAML block (its comment lines, the key and everything indented below it)
 * in front of another one, as someone tidying values.yaml would.
 */
function moveBlock(key: string, beforeKey: string) {
  return (content: string) => {
    const lines = content.split('\n');
    const blockAt = (name: string) => {
      let start = lines.findIndex((line) => line.startsWith(`${name}:`));
      if (start === -1) throw new Error(`no top-level ${name} to move`);
      const keyLine = start;
      while (start > 0 && (lines[start - 1] as string).startsWith('#')) start -= 1;
      let end = keyLine + 1;
      while (end < lines.length && ((lines[end] as string) === '' || (lines[end] as string).startsWith(' '))) end += 1;
      return { start, end };
    };
    const moved = blockAt(key);
    const block = lines.splice(moved.start, moved.end - moved.start);
    while (block.at(-1) === '') block.pop();
    const target = blockAt(beforeKey);
    lines.splice(target.start, 0, ...block, '');
    return lines.join('\n');
  };
}

// ---------------------------------------------------------------------------------------------
// What users do to generated charts.

interface UserEdit {
  name: string;
  apply: (dir: string) => Promise<void>;
}

const optionalTemplate = (dir: string) =>
  existsSync(join(dir, 'templates/servicemonitor.yaml')) ? 'templates/servicemonitor.yaml' : 'templates/ingress.yaml';

const USER_EDITS: UserEdit[] = [
  {
    name: 'env vars added in values.yaml',
    apply: (dir) =>
      edit(dir, 'values.yaml', (content) =>
        replace(/^extraEnv: \[\]$/m, 'extraEnv:\n  - name: FEATURE_FLAGS\n    value: dose-v2\n  - name: TZ\n    value: Europe/Berlin')(
          replace(/^(  LOG_LEVEL: info)$/m, '$1\n  AUDIT_LOG: enabled')(content),
        ),
      ),
  },
  {
    name: 'env source added in the deployment template',
    apply: (dir) =>
      edit(dir, 'templates/deployment.yaml', replace(/^(            - secretRef:\n                name: .*)$/m, '$1\n            - configMapRef:\n                name: shared-platform-config\n                optional: true')),
  },
  {
    name: 'prod resources changed',
    apply: (dir) =>
      edit(dir, 'values-prod.yaml', (content) =>
        replace(/^(  requests:\n    # -- CPU requests\n    cpu: )"?100m"?$/m, '$1"250m"')(replace(/^(  limits:\n    # -- CPU limits\n    cpu: )"1"$/m, '$1"2"')(content)),
      ),
  },
  {
    name: 'extra template file',
    apply: (dir) =>
      writeFile(
        join(dir, 'templates/feature-flags.yaml'),
        [
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata:',
          '  name: {{ include "' + '%NAME%' + '.fullname" . }}-feature-flags',
          '  labels:',
          '    {{- include "%NAME%.labels" . | nindent 4 }}',
          'data:',
          '  flags.json: |',
          '    {"doseV2": false}',
          '',
        ]
          .join('\n')
          .replaceAll('%NAME%', dir.split('/').at(-1) as string),
      ),
  },
  {
    name: 'helper edited in _helpers.tpl',
    apply: (dir) =>
      edit(dir, 'templates/_helpers.tpl', replace(/^(app\.kubernetes\.io\/managed-by: \{\{ \.Release\.Service \}\})$/m, '$1\napp.kubernetes.io/part-of: medtech-platform')),
  },
  {
    name: 'optional template deleted',
    apply: (dir) => unlink(join(dir, optionalTemplate(dir))),
  },
  {
    name: 'values.yaml keys reordered',
    apply: (dir) => edit(dir, 'values.yaml', moveBlock('networkPolicy', 'replicaCount')),
  },
];

// ---------------------------------------------------------------------------------------------
// How the generator changes between the chart's generation and today. `simulate` turns the copy
// into what the older generator wrote (files and snapshot alike); `set` changes answers instead.

interface GeneratorChange {
  name: string;
  simulate?: (dir: string) => Promise<void>;
  set?: (example: Example, dir: string) => Promise<string[]>;
  /** What must hold after regenerating, whatever the user edited. */
  check: (dir: string, example: Example) => Promise<void>;
}

/** The same edit to a generated file and to its snapshot: what an older generator produced. */
const olderGenerator = async (dir: string, paths: string[], change: (content: string) => string) => {
  for (const path of paths) {
    await edit(dir, path, change);
    await edit(dir, `${BASE}/${path}`, change);
  }
};
const yamlOf = async (dir: string, path: string) => parseYaml(await text(dir, path), { version: '1.1' }) as Record<string, any>;
const targetClass = async (dir: string) => ((await readSavedAnswers(dir)).answers.safetyClass === 'C' ? 'B' : 'C');

const GENERATOR_CHANGES: GeneratorChange[] = [
  {
    name: 'no change',
    check: async () => {},
  },
  {
    name: 'new template',
    simulate: async (dir) => {
      await unlink(join(dir, 'templates/pdb.yaml'));
      await unlink(join(dir, BASE, 'templates/pdb.yaml'));
    },
    check: async (dir, example) => {
      expect(await text(dir, 'templates/pdb.yaml')).toBe(await text(join(repoRoot, 'charts', example), 'templates/pdb.yaml'));
    },
  },
  {
    name: 'changed default',
    simulate: async (dir) => {
      await olderGenerator(dir, ['values.yaml'], replace(/^terminationGracePeriodSeconds: 30$/m, 'terminationGracePeriodSeconds: 20'));
      await olderGenerator(dir, ['values-prod.yaml', 'ci/prod-values.yaml'], replace(/^(    ephemeral-storage: )"?512Mi"?$/m, '$1"384Mi"'));
    },
    check: async (dir) => {
      expect((await yamlOf(dir, 'values.yaml')).terminationGracePeriodSeconds).toBe(30);
      expect((await yamlOf(dir, 'values-prod.yaml')).resources.limits['ephemeral-storage']).toBe('512Mi');
      expect((await yamlOf(dir, 'ci/prod-values.yaml')).resources.limits['ephemeral-storage']).toBe('512Mi');
    },
  },
  {
    name: 'renamed key',
    simulate: (dir) => olderGenerator(dir, ['values.yaml', 'values.schema.json', 'templates/deployment.yaml', 'README.md'], (content) => content.replaceAll('tmpVolume', 'scratchVolume')),
    check: async (dir) => {
      const values = await yamlOf(dir, 'values.yaml');
      expect(values.tmpVolume).toEqual({ sizeLimit: '64Mi' });
      expect(values).not.toHaveProperty('scratchVolume');
      expect(await text(dir, 'templates/deployment.yaml')).toContain('.Values.tmpVolume.sizeLimit');
      expect(JSON.parse(await text(dir, 'values.schema.json')).properties).toHaveProperty('tmpVolume');
    },
  },
  {
    name: 'reordered keys',
    simulate: (dir) => olderGenerator(dir, ['values.yaml'], moveBlock('podLabels', 'podAnnotations')),
    check: async (dir) => {
      const values = await yamlOf(dir, 'values.yaml');
      expect(values.podLabels).toEqual({});
      expect(values.podAnnotations).toEqual({});
    },
  },
  {
    name: 'class changed by --set',
    set: async (_example, dir) => [`class=${await targetClass(dir)}`],
    check: async (dir) => {
      const safetyClass = (await readSavedAnswers(dir)).answers.safetyClass;
      const profile = CLASS_PROFILES[safetyClass];
      expect((await yamlOf(dir, 'Chart.yaml')).annotations['chartwright.io/iec62304-class']).toBe(safetyClass);
      expect((await yamlOf(dir, 'values-prod.yaml')).replicaCount).toBe(profile.prod.replicas);
      expect((await yamlOf(dir, 'values.yaml')).networkPolicy.defaultDeny).toBe(profile.networkPolicyDefaultDeny);
    },
  },
];

// ---------------------------------------------------------------------------------------------

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function regenerate(dir: string, set: string[] = []) {
  const stdout = new Sink();
  const stderr = new Sink();
  const exitCode = await runRegenerate(
    { chart: dir, set, addDependencies: [], dryRun: false, verify: false },
    { stdout, reporter: new HumanReporter(stderr as unknown as NodeJS.WriteStream) },
  );
  return { exitCode, stdout: stdout.text, stderr: stderr.text };
}

const asText = (tree: Map<string, Buffer>) => new Map([...tree].map(([path, bytes]) => [path, bytes.toString('utf8')]));

/**
 * Lines the user wrote: in the file, but nowhere in what the generator had written (a moved
 * line is the generator's, and the generator may still change it; the checks see to moves).
 */
function addedLines(base: string | undefined, ours: string): string[] {
  const generated = new Set((base ?? '').split('\n').map((line) => line.trim()));
  const lines = diffComm((base ?? '').split('\n'), ours.split('\n'))
    .flatMap((part) => part.buffer2 ?? [])
    .map((line) => line.trim())
    .filter((line) => line !== '' && !generated.has(line));
  return [...new Set(lines)];
}

describe.each(EXAMPLES)('regenerate %s', (example) => {
  describe.each(GENERATOR_CHANGES)('generator: $name', (change) => {
    it.each(USER_EDITS)('user: $name', async (userEdit) => {
      const dir = await copyExample(example);
      await change.simulate?.(dir);
      const oldBase = asText(await readTree(join(dir, BASE)));
      const optional = optionalTemplate(dir);
      await userEdit.apply(dir);
      const before = asText(await readTree(dir));
      const set = (await change.set?.(example, dir)) ?? [];

      const result = await regenerate(dir, set);
      const story = `${example} / ${change.name} / ${userEdit.name}\n${result.stderr}`;
      expect(result.exitCode, story).toBe(0);
      expect(result.stderr, story).not.toContain('CONFLICT');
      const after = asText(await readTree(dir));

      // Nothing the user wrote is lost: every line they added is still there.
      for (const [path, ours] of before) {
        if (path.startsWith('.chartwright') || ours === oldBase.get(path)) continue;
        const now = after.get(path);
        expect(now, `${path} disappeared\n${story}`).toBeDefined();
        const lines = new Set((now as string).split('\n').map((line) => line.trim()));
        for (const line of addedLines(oldBase.get(path), ours)) expect(lines.has(line), `${path} lost "${line}"\n${story}`).toBe(true);
      }
      // Each edited file is reported as kept (only the user changed it) or merged (both did).
      for (const [path, ours] of before) {
        if (path.startsWith('.chartwright') || !oldBase.has(path) || ours === oldBase.get(path)) continue;
        const generatorChanged = after.get(`${BASE}/${path}`) !== oldBase.get(path);
        const name = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const line = generatorChanged ? new RegExp(`^merged\\s+${name}$`, 'm') : new RegExp(`^unchanged ${name} {2}\\(your edits kept\\)$`, 'm');
        expect(result.stderr, `${path}\n${story}`).toMatch(line);
      }
      // A deleted template stays deleted; the user's own template is untouched.
      if (userEdit.name === 'optional template deleted') expect(after.has(optional), optional).toBe(false);
      if (userEdit.name === 'extra template file') expect(after.get('templates/feature-flags.yaml')).toBe(before.get('templates/feature-flags.yaml'));
      // Every values file still parses.
      for (const path of ['values.yaml', 'values-dev.yaml', 'values-prod.yaml', 'Chart.yaml']) expect(() => parseYaml(after.get(path) as string), path).not.toThrow();

      // What the generator changed arrived.
      await change.check(dir, example);
      if (change.name === 'no change') expect(after, 'an unchanged generator must not touch the chart').toEqual(before);

      // The snapshot is now today's generation, so regenerating again is a no-op.
      const again = await regenerate(dir);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stderr).toContain('is up to date');
      expect(asText(await readTree(dir))).toEqual(after);
    });
  });
});

describe.each(EXAMPLES)('an unedited %s', (example) => {
  it('regenerates as a byte-identical no-op (the built CLI)', async () => {
    const dir = await copyExample(example);
    const before = await readTree(dir);
    const result = await runCli(['regenerate', dir]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(await readTree(dir)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Every example with every edit and a class change still passes the offline stages.

const availability = registryAvailable();
if (!availability.ok) console.warn(`charts with dependencies are regenerated but not tested: ${availability.reason}`);
const helm4 = helmBinaries().find((helm) => helm.label === 'helm4')!;

describe('regenerated examples pass chartwright test', () => {
  let registry: Registry | undefined;
  beforeAll(async () => {
    if (!availability.ok) return;
    registry = await startRegistry();
    await pushFixtureCharts(helm4.path, registry.url, isolatedHelmEnv(join(work, 'push-home')));
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it.each(EXAMPLES)('%s with all edits, moved to another class', async (example) => {
    const dir = await copyExample(example);
    for (const userEdit of USER_EDITS) await userEdit.apply(dir);
    const target = await targetClass(dir);
    const regenerated = await runCli(['regenerate', dir, '--set', `class=${target}`]);
    expect(regenerated.exitCode, regenerated.stderr).toBe(0);
    expect((await readSavedAnswers(dir)).answers.safetyClass).toBe(target);

    const chart = (await yamlOf(dir, 'Chart.yaml')) as { dependencies?: unknown[] };
    if (chart.dependencies?.length && !registry) {
      console.warn(`skipping chartwright test of regenerated ${example}: it has dependencies and ${availability.ok ? 'no registry' : availability.reason}`);
      return;
    }
    const args = ['test', dir, '--values', 'values.yaml', '--kube-version', '1.35', '--format', 'json', ...(registry ? ['--mirror', registry.url] : [])];
    const tested = await runCli(args, { env: { HELM_BIN: helm4.path } });
    const report = JSON.parse(tested.stdout) as {
      charts: { safetyClass: string; stages: { stage: string; status: string; findings: { severity: string; message: string; file?: string }[] }[] }[];
      summary: { findings: { errors: number } };
    };
    const story = report.charts
      .flatMap((c) => c.stages)
      .map((stage) => `${stage.stage} ${stage.status} ${stage.findings.filter((f) => f.severity === 'error').map((f) => `${f.file ?? ''}: ${f.message}`).join(' | ')}`)
      .join('\n');
    // The chart's own files have no error at the new class; policy errors on the objects of the
    // stand-in subcharts (no NetworkPolicies) are counted apart and are the only failures allowed.
    expect(report.summary.findings.errors, story).toBe(0);
    const failing = report.charts[0]?.stages.filter((stage) => stage.status !== 'passed') ?? [];
    for (const stage of failing) expect({ stage: stage.stage, own: stage.findings.filter((f) => f.severity === 'error' && !f.file?.startsWith('charts/')) }, story).toEqual({ stage: 'policy', own: [] });
    expect(tested.exitCode, `${story}\n${tested.stderr}`).toBe(failing.length ? 1 : 0);
    expect(report.charts[0]?.safetyClass).toBe(target);
    const ran = report.charts[0]?.stages.filter((stage) => stage.status === 'passed').map((stage) => stage.stage);
    expect(ran).toEqual(expect.arrayContaining(['dependencies', 'lint', 'template', 'schema']));
  });
});
