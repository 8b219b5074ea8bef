// Rendering of the generator's own Handlebars templates: Helm actions pass through untouched,
// output is deterministic and documented, and values.schema.json rejects misspelt or unsafe
// values both in ajv and in real `helm lint --strict` (helm 3 and helm 4).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMap, isPair, isScalar, parse as parseYaml, parseDocument, type YAMLMap } from 'yaml';
import { collectAnswers } from '../src/answers/collect.js';
import type { Answers } from '../src/answers/fields.js';
import { loadChartTemplates, planChart, type PlannedFile } from '../src/chart/plan.js';
import { buildValueTree } from '../src/chart/values.js';
import { rowsOf, type ValueNode } from '../src/chart/valueTree.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../src/paths.js';
import { renderTemplate } from '../src/render/handlebars.js';
import { writeChartAtomically } from '../src/write/atomic.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

const templates = loadChartTemplates(CHART_TEMPLATES_DIR);
const plan = (answers: Answers) => planChart(answers, { generatorVersion: GENERATOR_VERSION, templates });
const fileOf = (files: PlannedFile[], path: string) => {
  const file = files.find((f) => f.path === path);
  expect(file, `planned file ${path}`).toBeDefined();
  return file!.content;
};

// Three answer sets that between them take every branch of every {{#if}} in the templates.
const FLAGS = {
  full: {
    name: 'full-app', safetyClass: 'C', dependencies: 'postgresql,redis', postgresqlProvider: 'in-cluster', redisProvider: 'in-cluster',
    ingress: true, ingressTls: true, persistence: true, serviceMonitor: true, backup: true,
  },
  external: {
    name: 'ext-app', safetyClass: 'B', dependencies: 'postgresql,redis', postgresqlProvider: 'external', redisProvider: 'external',
    ingress: true, ingressTls: false, persistence: true, serviceMonitor: true,
  },
  minimal: { name: 'min-app', safetyClass: 'A', dependencies: 'none' },
} satisfies Record<string, Record<string, unknown>>;
type SetName = keyof typeof FLAGS;
const SET_NAMES = Object.keys(FLAGS) as SetName[];

let answersBySet: Record<SetName, Answers>;
let filesBySet: Record<SetName, PlannedFile[]>;
beforeAll(async () => {
  const entries = await Promise.all(SET_NAMES.map(async (name) => [name, await collectAnswers({ flags: FLAGS[name], yes: true })] as const));
  answersBySet = Object.fromEntries(entries) as Record<SetName, Answers>;
  filesBySet = Object.fromEntries(SET_NAMES.map((name) => [name, plan(answersBySet[name])])) as Record<SetName, PlannedFile[]>;
});

// A `{{` that is not escaped as `\{{`: Handlebars will interpret it.
const HANDLEBARS = /(?<!\\)\{\{/;
const HELM_ACTION = /\\\{\{/;
const hbsSources = [...templates].filter(([path]) => path.endsWith('.hbs'));

describe('Helm actions pass through Handlebars byte for byte', () => {
  it('finds the template sources', () => {
    expect(hbsSources.length).toBeGreaterThanOrEqual(10);
  });

  for (const [source, text] of hbsSources) {
    const target = source.replace(/\.hbs$/, '');
    it(`${source}: every Helm-action and plain line appears unchanged in the output`, () => {
      // Per answer set, the line each source line must become, or undefined for lines that
      // Handlebars interprets (blocks, loops, other variables). Lines that only interpolate the
      // chart name or the Valkey chart name (e.g. `\{{- define "{{name}}.fullname" -}}`) are
      // checked too, with the name filled in.
      const expectedLine = (line: string, set: SetName): string | undefined => {
        const filled = line.replace(/(?<!\\)\{\{(name|redisChart)\}\}/g, (_, key: string) => (key === 'name' ? answersBySet[set].name : 'valkey'));
        return HANDLEBARS.test(filled) ? undefined : filled.replaceAll('\\{{', '{{');
      };
      // Lines between {{#...}} and {{/...}} render only for some answers; lines outside any
      // block must render for every answer set, as often as they occur in the source.
      let depth = 0;
      const checked: { line: string; inBlock: boolean }[] = [];
      let helmLines = 0;
      let trimLines = 0;
      for (const line of text.split('\n')) {
        if (expectedLine(line, 'full') === undefined) {
          depth += (line.match(/(?<!\\)\{\{#/g) ?? []).length - (line.match(/(?<!\\)\{\{\//g) ?? []).length;
          continue;
        }
        checked.push({ line, inBlock: depth > 0 });
        if (HELM_ACTION.test(line)) {
          helmLines++;
          if (/\\\{\{-|-\}\}/.test(line)) trimLines++;
        }
      }
      expect(depth, `${source}: balanced blocks`).toBe(0);
      const outputs = SET_NAMES.filter((set) => filesBySet[set].some((f) => f.path === target)).map((set) => ({
        set,
        lines: fileOf(filesBySet[set], target).split('\n'),
      }));
      expect(outputs.length, `${target} is rendered for some answer set`).toBeGreaterThan(0);
      for (const { set, lines } of outputs) {
        const wanted = new Map<string, number>();
        for (const { line, inBlock } of checked) {
          const expected = expectedLine(line, set)!;
          if (!inBlock) wanted.set(expected, (wanted.get(expected) ?? 0) + 1);
        }
        for (const [line, count] of wanted) {
          const found = lines.filter((l) => l === line).length;
          expect(found, `${target} (${set}) must contain ${JSON.stringify(line)} ${count} time(s)`).toBeGreaterThanOrEqual(count);
        }
      }
      for (const { line } of checked.filter((c) => c.inBlock)) {
        const where = outputs.filter(({ set, lines }) => lines.includes(expectedLine(line, set)!)).map(({ set }) => set);
        expect(where.length, `${target}: ${JSON.stringify(line)} (inside a block) appears for no answer set`).toBeGreaterThan(0);
      }
      if (source !== 'README.md.hbs') expect(helmLines, `${source} has Helm actions`).toBeGreaterThan(0);
      if (source.startsWith('templates/') && !source.endsWith('NOTES.txt.hbs')) expect(trimLines, `${source} has {{- / -}} lines`).toBeGreaterThan(0);
    });
  }

  it('the checked lines include -}} (in _helpers.tpl defines)', () => {
    const helpers = fileOf(filesBySet.full, 'templates/_helpers.tpl').split('\n');
    expect(helpers).toContain('{{- define "full-app.fullname" -}}');
    expect(helpers).toContain('{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}');
  });

  it('renders escaped actions, including whitespace trimming, exactly', () => {
    expect(renderTemplate('\\{{- if .Values.x }}a\\{{- end }}', {}, 't.hbs')).toBe('{{- if .Values.x }}a{{- end }}');
    expect(renderTemplate('\\{{ include "{{name}}.fullname" . }}', { name: 'my-app' }, 't.hbs')).toBe('{{ include "my-app.fullname" . }}');
    expect(renderTemplate('\\{{- define "{{name}}.x" -}}\n\\{{- end }}\n', { name: 'a' }, 't.hbs')).toBe('{{- define "a.x" -}}\n{{- end }}\n');
  });

  it('throws on an unknown variable, naming the template (strict)', () => {
    expect(() => renderTemplate('name: {{nmae}}', { name: 'x' }, 'templates/oops.yaml.hbs')).toThrow(/oops\.yaml\.hbs.*nmae/s);
    expect(() => renderTemplate('{{postgresql.inClster}}', { postgresql: { inCluster: true } }, 't.hbs')).toThrow(/inClster/);
  });

  it('does not HTML-escape values (noEscape)', () => {
    expect(renderTemplate('d: {{text}}', { text: `a&b <c> "d" 'e' \`f\` =` }, 't.hbs')).toBe(`d: a&b <c> "d" 'e' \`f\` =`);
  });

  it('carries a description with markup characters into Chart.yaml and README.md unescaped', async () => {
    const description = 'Reads <HL7> & "FHIR" feeds';
    const files = plan(await collectAnswers({ flags: { name: 'esc-app', description }, yes: true }));
    expect((parseYaml(fileOf(files, 'Chart.yaml')) as { description: string }).description).toBe(description);
    expect(fileOf(files, 'README.md').split('\n')).toContain(description);
  });
});

describe('rendered chart files', () => {
  it('contain no leftover \\{{ for any answer set', () => {
    for (const set of SET_NAMES) {
      for (const file of filesBySet[set]) expect(file.content.includes('\\{{'), `${set}: ${file.path}`).toBe(false);
    }
  });

  it('are the same when the same answers are planned twice', async () => {
    for (const set of SET_NAMES) {
      const again = plan(await collectAnswers({ flags: FLAGS[set], yes: true }));
      expect(again, set).toEqual(filesBySet[set]);
      expect(again.map((f) => f.path), `${set}: sorted by path`).toEqual(filesBySet[set].map((f) => f.path).sort());
    }
  });

  for (const file of ['values.yaml', 'values-dev.yaml', 'values-prod.yaml']) {
    it(`${file} documents every key with a # -- comment`, () => {
      for (const set of SET_NAMES) {
        const tree = buildValueTree(answersBySet[set]);
        const problems = documentationProblems(fileOf(filesBySet[set], file), tree, file === 'values.yaml');
        expect(problems, `${set} ${file}`).toEqual([]);
      }
    });
  }
});

/**
 * Walks the parsed values file and the value tree together. Every key the tree knows must carry
 * `# -- <description>`; keys inside a leaf's value (e.g. config.LOG_LEVEL) are data, not keys.
 * With `complete`, every non-schema-only node of the tree must also be present in the file.
 */
function documentationProblems(text: string, tree: ValueNode, complete: boolean): string[] {
  const problems: string[] = [];
  const doc = parseDocument(text, { version: '1.1' });
  if (doc.errors.length) return doc.errors.map((e) => e.message);
  const walk = (map: YAMLMap, node: ValueNode, path: string[]) => {
    const present = new Set<string>();
    map.items.forEach((pair, index) => {
      if (!isPair(pair) || !isScalar(pair.key)) {
        problems.push(`${path.join('.')}: non-scalar key`);
        return;
      }
      const key = String(pair.key.value);
      present.add(key);
      const keyPath = [...path, key].join('.');
      const child = node.children?.[key];
      if (!child) {
        problems.push(`${keyPath}: not in the value tree`);
        return;
      }
      // The parser puts the comment above a map's first key on the map itself.
      const comment = `${index === 0 ? (map.commentBefore ?? '') : ''}\n${pair.key.commentBefore ?? ''}`;
      const lines = comment.split('\n').map((line) => line.trim());
      if (!lines.includes(`-- ${child.description}`)) problems.push(`${keyPath}: no "# -- ${child.description}" comment (got ${JSON.stringify(comment)})`);
      if (child.children) {
        if (isMap(pair.value)) walk(pair.value, child, [...path, key]);
        else problems.push(`${keyPath}: expected a mapping`);
      }
    });
    if (complete) {
      for (const [key, child] of Object.entries(node.children ?? {})) {
        if (!child.schemaOnly && !present.has(key)) problems.push(`${[...path, key].join('.')}: in the tree but missing from the file`);
      }
    }
  };
  if (!isMap(doc.contents)) return ['document is not a mapping'];
  walk(doc.contents, tree, []);
  return problems;
}

// --- values.schema.json ---------------------------------------------------------------------

// ajv is CommonJS: at runtime the default import is the Ajv class (draft-07), but TypeScript
// under NodeNext types it as the module, whose `default` is the class.
const AjvClass = Ajv as unknown as typeof Ajv.default;

type Values = Record<string, unknown>;
const isObject = (value: unknown): value is Values => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Helm's coalescing of a values file over defaults: maps merge, other values replace, null deletes. */
function helmMerge(base: Values, override: Values): Values {
  const result: Values = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete result[key];
    else if (isObject(value) && isObject(result[key])) result[key] = helmMerge(result[key] as Values, value);
    else result[key] = structuredClone(value);
  }
  return result;
}

/** `--set a.b.c=v` on parsed values; v is parsed like helm does for plain numbers. */
function applySet(values: Values, assignment: string): Values {
  const [path = '', raw = ''] = assignment.split('=');
  const keys = path.split('.');
  const result = structuredClone(values);
  let node: Values = result;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Values;
  }
  node[keys.at(-1)!] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
  return result;
}

const TYPOS = [
  { set: 'resources.limits.cpuu=1', parent: 'resources.limits', key: 'cpuu' },
  { set: 'image.tagg=x', parent: 'image', key: 'tagg' },
  { set: 'replicaCount=-1', parent: '', key: 'replicaCount' },
  { set: 'image.tag=latest', parent: 'image', key: 'tag' },
  { set: 'podSecurityContext.runAsUser=0', parent: 'podSecurityContext', key: 'runAsUser' },
];

function findRefs(schema: unknown, found: string[] = []): string[] {
  if (Array.isArray(schema)) schema.forEach((item) => findRefs(item, found));
  else if (isObject(schema)) {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref') found.push(String(value));
      findRefs(value, found);
    }
  }
  return found;
}

describe('values.schema.json', () => {
  const compile = (set: SetName) => {
    const schema = JSON.parse(fileOf(filesBySet[set], 'values.schema.json')) as Values;
    // Default export is draft-07. strict: false because strict mode flags keywords that draft-07
    // allows, e.g. `pattern` on a string|number quantity.
    const ajv = new AjvClass({ strict: false, allErrors: true });
    return { schema, validate: ajv.compile(schema) };
  };
  const valuesOf = (set: SetName, file: string) => parseYaml(fileOf(filesBySet[set], file), { version: '1.1' }) as Values;

  it('is draft-07 and references nothing over the network', () => {
    for (const set of SET_NAMES) {
      const { schema } = compile(set);
      expect(schema.$schema, set).toBe('http://json-schema.org/draft-07/schema#');
      expect(findRefs(schema).filter((ref) => /^https?:/i.test(ref)), set).toEqual([]);
      expect(schema.additionalProperties, `${set}: the root rejects unknown keys`).toBe(false);
    }
  });

  it('accepts values.yaml, and values.yaml merged with values-dev.yaml and values-prod.yaml', () => {
    for (const set of SET_NAMES) {
      const { validate } = compile(set);
      const defaults = valuesOf(set, 'values.yaml');
      for (const [label, values] of [
        ['values.yaml', defaults],
        ['+ values-dev.yaml', helmMerge(defaults, valuesOf(set, 'values-dev.yaml'))],
        ['+ values-prod.yaml', helmMerge(defaults, valuesOf(set, 'values-prod.yaml'))],
      ] as const) {
        expect(validate(values), `${set} ${label}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
  });

  for (const typo of TYPOS) {
    it(`ajv rejects --set ${typo.set}, naming the key`, () => {
      for (const set of SET_NAMES) {
        const { validate } = compile(set);
        expect(validate(applySet(valuesOf(set, 'values.yaml'), typo.set)), `${set}: ${typo.set}`).toBe(false);
        const named = (validate.errors ?? []).some((error) => {
          const at = error.instancePath.split('/').filter(Boolean).join('.');
          const extra = (error.params as { additionalProperty?: string }).additionalProperty;
          return extra ? at === typo.parent && extra === typo.key : at === [typo.parent, typo.key].filter(Boolean).join('.');
        });
        expect(named, `${set} ${typo.set}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    });
  }
});

// Real helm on a chart without subcharts (external services), so no registry is needed.
describe('helm lint --strict enforces the schema', () => {
  const helms = helmBinaries();
  let work = '';
  let chartDir = '';
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chartwright-render-'));
    chartDir = join(work, 'ext-app');
    await writeChartAtomically(chartDir, filesBySet.external, { force: false });
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  for (const helm of helms) {
    const lint = (extra: string[]) =>
      execa(helm.path, ['lint', chartDir, '--strict', ...extra], { env: isolatedHelmEnv(join(work, helm.label)), reject: false, stdin: 'ignore' });

    it(`${helm.label}: the generated chart lints clean (control)`, async () => {
      const res = await lint([]);
      expect(res.exitCode, `${res.stdout}\n${res.stderr}`).toBe(0);
    });

    it(`${helm.label}: helm package leaves .chartwright.yaml out`, async () => {
      const out = join(work, `package-${helm.label}`);
      const res = await execa(helm.path, ['package', chartDir, '--destination', out], {
        env: isolatedHelmEnv(join(work, helm.label)),
        reject: false,
        stdin: 'ignore',
      });
      expect(res.exitCode, res.stderr).toBe(0);
      const listing = (await execa('tar', ['-tzf', join(out, 'ext-app-0.1.0.tgz')])).stdout.split('\n');
      expect(listing).toContain('ext-app/Chart.yaml');
      expect(listing).toContain('ext-app/values.schema.json');
      expect(listing.filter((entry) => entry.includes('.chartwright'))).toEqual([]);
    });

    for (const typo of TYPOS) {
      it(`${helm.label}: --set ${typo.set} fails lint naming the key`, async () => {
        const res = await lint(['--set', typo.set]);
        const output = `${res.stdout}\n${res.stderr}`;
        expect(res.exitCode, output).not.toBe(0);
        // helm 3 says `image: Additional property tagg`, helm 4 `at '/image': additional properties 'tagg'`.
        const dotted = output.replace(/'\/([^']*)'/g, (_, path: string) => path.split('/').join('.'));
        expect(dotted, output).toMatch(/\[ERROR\] (values\.yaml|templates\/)/);
        const full = [typo.parent, typo.key].filter(Boolean).join('.');
        const names = dotted.includes(full) || (typo.parent !== '' && dotted.includes(typo.parent) && new RegExp(`\\b${typo.key}\\b`).test(dotted));
        expect(names, `${helm.label} output does not name ${full}:\n${output}`).toBe(true);
      });
    }
  }
});

describe('README.md and .helmignore', () => {
  it('README.md has a values table row for every leaf of the value tree, and no others', () => {
    for (const set of SET_NAMES) {
      const readme = fileOf(filesBySet[set], 'README.md');
      const tableRows = readme.split('\n').filter((line) => /^\| `[^`]+` \|/.test(line));
      const keys = tableRows.map((line) => /^\| `([^`]+)` \|/.exec(line)![1]);
      const rows = rowsOf(buildValueTree(answersBySet[set]));
      expect(keys, set).toEqual(rows.map((row) => row.key));
      for (const row of rows) {
        const line = tableRows.find((l) => l.startsWith(`| \`${row.key}\` |`))!;
        expect(line.split(/(?<!\\)\|/).length, `${set} ${row.key}: four cells`).toBe(6);
      }
    }
  });

  it('.helmignore lists .chartwright.yaml, which the chart does carry', () => {
    for (const set of SET_NAMES) {
      const ignored = fileOf(filesBySet[set], '.helmignore').split('\n').map((line) => line.trim());
      expect(ignored, set).toContain('.chartwright.yaml');
      expect(filesBySet[set].some((f) => f.path === '.chartwright.yaml'), set).toBe(true);
    }
  });
});
