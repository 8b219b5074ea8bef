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
import { loadChartTemplates, planChart, type PlannedFile, targetOf } from '../src/chart/plan.js';
import { buildValueTree } from '../src/chart/values.js';
import { rowsOf, type ValueNode } from '../src/chart/valueTree.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../src/paths.js';
import { renderTemplate } from '../src/render/handlebars.js';
import { writeChartAtomically } from '../src/write/atomic.js';
import { PARTS } from '../src/parts/index.js';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
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
    name: 'full-app', safetyClass: 'C', dependencies: 'postgresql,redis,nats', postgresqlProvider: 'in-cluster', redisProvider: 'in-cluster',
    ingress: true, ingressControllerNamespace: 'ingress-nginx', ingressTls: true, persistence: true, serviceMonitor: true, backup: true,
  },
  external: {
    name: 'ext-app', safetyClass: 'B', dependencies: 'postgresql,redis,nats', postgresqlProvider: 'external', redisProvider: 'external',
    natsProvider: 'external', ingress: true, ingressClass: 'traefik', ingressControllerNamespace: 'traefik', ingressTls: false, persistence: true,
    serviceMonitor: true,
  },
  operator: {
    name: 'ha-app', safetyClass: 'C', dependencies: 'postgresql', postgresqlProvider: 'cloudnative-pg', backup: true, ingress: true,
    ingressControllerNamespace: 'gateway', ingressCertificate: 'cert-manager', certManagerIssuer: 'letsencrypt',
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

const RAW_OPEN = '{{{{helm}}}}';
const RAW_CLOSE = '{{{{/helm}}}}';
const fill = (line: string, set: SetName) => line.replaceAll('<CHARTNAME>', answersBySet[set].name);
// A fragment's lines land in the file that holds its slot.
const SLOT_FILES: Record<string, string> = {
  'deployment.env': 'templates/deployment.yaml',
  'deployment.volumeMounts': 'templates/deployment.yaml',
  'deployment.volumes': 'templates/deployment.yaml',
  'networkpolicy.ingressFrom': 'templates/networkpolicy.yaml',
  'networkpolicy.egress': 'templates/networkpolicy.yaml',
  'networkpolicy.policies': 'templates/networkpolicy.yaml',
  readme: 'README.md',
};
const fragmentTarget = (source: string): string => {
  for (const part of PARTS) {
    for (const [slot, fragment] of Object.entries(part.slots ?? {})) if (`parts/${fragment}` === source) return SLOT_FILES[slot]!;
  }
  throw new Error(`${source} is no part's fragment`);
};
const targetOfSource = (source: string) => (source.startsWith('chart/') ? targetOf(source) : fragmentTarget(source));

/**
 * The lines of a Handlebars source, each with whether it is Helm text (inside a raw block) and
 * whether it sits inside a Handlebars {{#...}} block, which renders only for some answers.
 */
function linesOf(text: string): { line: string; helm: boolean; inBlock: boolean }[] {
  const result: { line: string; helm: boolean; inBlock: boolean }[] = [];
  let depth = 0;
  let helm = false;
  for (const line of text.split('\n')) {
    if (line === RAW_OPEN) helm = true;
    else if (line === RAW_CLOSE) helm = false;
    else if (helm) result.push({ line, helm, inBlock: depth > 0 });
    else {
      depth += (line.match(/\{\{#/g) ?? []).length - (line.match(/\{\{\//g) ?? []).length;
      if (!/\{\{/.test(line)) result.push({ line, helm, inBlock: depth > 0 });
    }
  }
  return result;
}

describe('templates read as Helm', () => {
  const sources = [...templates];
  const hbs = sources.filter(([path]) => path.endsWith('.hbs'));
  const plain = sources.filter(([path]) => path.startsWith('chart/') && !path.endsWith('.hbs'));

  it('finds the template sources', () => {
    expect(hbs.length).toBeGreaterThanOrEqual(10);
    expect(plain.length).toBeGreaterThanOrEqual(10);
  });

  it('carry no \\{{ escapes: Helm passages are raw blocks or plain files', () => {
    for (const [path, text] of sources) expect(text.includes('\\{{'), path).toBe(false);
  });

  for (const [source, text] of plain) {
    const target = targetOf(source);
    it(`${source} is plain Helm: the chart file is the source with the chart name filled in`, () => {
      const sets = SET_NAMES.filter((set) => filesBySet[set].some((f) => f.path === target));
      expect(sets.length, `${target} is written for some answer set`).toBeGreaterThan(0);
      for (const set of sets) expect(fileOf(filesBySet[set], target)).toBe(text.replaceAll('<CHARTNAME>', answersBySet[set].name));
      if (source.startsWith('chart/templates/') && !source.endsWith('NOTES.txt')) expect(text, `${source} has {{- lines`).toMatch(/\{\{-/);
    });
  }

  for (const [source, text] of hbs) {
    it(`${source}: Handlebars only outside raw blocks, and every line of a raw block appears unchanged in the output`, () => {
      const target = targetOfSource(source);
      const lines = linesOf(text);
      expect(text.split('\n').filter((line) => line === RAW_OPEN).length, `${source}: balanced raw blocks`).toBe(
        text.split('\n').filter((line) => line === RAW_CLOSE).length,
      );
      if (!source.endsWith('README.md.hbs')) {
        // Outside raw blocks there is no Helm action ({{-, {{ , {{., {{$ or a {{/* comment}}): Handlebars would eat it.
        const outside = text.split(RAW_OPEN).map((chunk, index) => (index === 0 ? chunk : chunk.split(RAW_CLOSE)[1] ?? '')).join('\n');
        expect(outside.replace(/\{\{!--[\s\S]*?--\}\}/g, '').match(/\{\{(?:-|\s|\.|\$|\/\*).*/g) ?? [], source).toEqual([]);
        expect(lines.some((entry) => entry.helm), `${source} has Helm text`).toBe(true);
      }
      const outputs = SET_NAMES.filter((set) => filesBySet[set].some((f) => f.path === target)).map((set) => ({
        set,
        lines: fileOf(filesBySet[set], target).split('\n'),
      }));
      expect(outputs.length, `${target} is rendered for some answer set`).toBeGreaterThan(0);
      const fragment = source.startsWith('parts/');
      for (const { set, lines: output } of outputs) {
        const wanted = new Map<string, number>();
        // A fragment's lines, and lines inside Handlebars blocks, render only for some answers.
        for (const { line } of lines.filter((entry) => entry.helm && !entry.inBlock && !fragment)) wanted.set(fill(line, set), (wanted.get(fill(line, set)) ?? 0) + 1);
        for (const [line, count] of wanted) {
          expect(output.filter((l) => l === line).length, `${target} (${set}) must contain ${JSON.stringify(line)} ${count} time(s)`).toBeGreaterThanOrEqual(count);
        }
      }
      for (const { line } of lines.filter((entry) => entry.helm && (entry.inBlock || fragment))) {
        const where = outputs.filter(({ set, lines: output }) => output.includes(fill(line, set)));
        expect(where.length, `${target}: ${JSON.stringify(line)} (rendered only for some answers) appears for no answer set`).toBeGreaterThan(0);
      }
    });
  }

  it('the checked lines include -}} (in _helpers.tpl defines)', () => {
    const helpers = fileOf(filesBySet.full, 'templates/_helpers.tpl').split('\n');
    expect(helpers).toContain('{{- define "full-app.fullname" -}}');
    expect(helpers).toContain('{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}');
  });

  it('passes raw blocks through exactly, whitespace trimming included, and fills the chart name', () => {
    expect(renderTemplate('{{{{helm}}}}{{- if .Values.x }}a{{- end }}{{{{/helm}}}}', { name: 'a' }, 't.hbs')).toBe('{{- if .Values.x }}a{{- end }}');
    expect(renderTemplate('{{{{helm}}}}{{ include "<CHARTNAME>.fullname" . }}{{{{/helm}}}}', { name: 'my-app' }, 't.hbs')).toBe('{{ include "my-app.fullname" . }}');
    expect(renderTemplate('{{{{helm}}}}\n{{- define "<CHARTNAME>.x" -}}\n{{- end }}\n{{{{/helm}}}}\n', { name: 'a' }, 't.hbs')).toBe('{{- define "a.x" -}}\n{{- end }}\n');
    // Outside a raw block this line would render silently to `x: ` (Handlebars reads `{{- .Values.x }}`).
    expect(renderTemplate('{{{{helm}}}}\nx: {{- .Values.x }}\n{{{{/helm}}}}\n', { name: 'a' }, 't.hbs')).toBe('x: {{- .Values.x }}\n');
  });

  it('refuses a raw block without a chart name in the context', () => {
    expect(() => renderTemplate('{{{{helm}}}}x{{{{/helm}}}}', {}, 'chart/oops.yaml.hbs')).toThrow(/oops\.yaml\.hbs.*needs `name`/s);
  });

  it('throws on an unknown variable, naming the template (strict)', () => {
    expect(() => renderTemplate('name: {{nmae}}', { name: 'x' }, 'templates/oops.yaml.hbs')).toThrow(/oops\.yaml\.hbs.*nmae/s);
    expect(() => renderTemplate('{{postgresql.inClster}}', { postgresql: { inCluster: true } }, 't.hbs')).toThrow(/inClster/);
  });

  it('does not HTML-escape values (noEscape)', () => {
    expect(renderTemplate('d: {{text}}', { text: `a&b <c> "d" 'e' \`f\` =` }, 't.hbs')).toBe(`d: a&b <c> "d" 'e' \`f\` =`);
  });

  it('carries a description with markup characters into Chart.yaml as typed, and into README.md as text', async () => {
    const description = 'Reads <HL7> & "FHIR" feeds | *fast* [v2] `x` # 1. _a_';
    const files = plan(await collectAnswers({ flags: { name: 'esc-app', description }, yes: true }));
    expect((parseYaml(fileOf(files, 'Chart.yaml')) as { description: string }).description).toBe(description);
    const readme = fromMarkdown(fileOf(files, 'README.md'), { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
    const paragraph = readme.children[1] as { type: string; children: { type: string; value?: string }[] };
    expect(paragraph.type).toBe('paragraph');
    // One text node: nothing of it became emphasis, code, a link or HTML.
    expect(paragraph.children).toEqual([expect.objectContaining({ type: 'text', value: description })]);
  });
});

describe('rendered chart files', () => {
  it('contain no leftover raw-block marker or <CHARTNAME> for any answer set', () => {
    for (const set of SET_NAMES) {
      for (const file of filesBySet[set]) {
        expect(file.content.includes('{{{{'), `${set}: ${file.path}`).toBe(false);
        expect(file.content.includes('<CHARTNAME>'), `${set}: ${file.path}`).toBe(false);
      }
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
      const values = readme.slice(readme.indexOf('\n## Values\n'));
      const tableRows = values.split('\n').filter((line) => /^\| `[^`]+` \|/.test(line));
      const keys = tableRows.map((line) => /^\| `([^`]+)` \|/.exec(line)![1]);
      const rows = rowsOf(buildValueTree(answersBySet[set]));
      // Grouped by section (top-level leaves first), so compared as sets; each key once.
      expect([...keys].sort(), set).toEqual(rows.map((row) => row.key).sort());
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
