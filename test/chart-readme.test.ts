// The README of a generated chart, read by two real Markdown parsers (marked, and micromark with
// GFM as remark uses it): every table keeps its columns and its cells say what the chart data
// says; user text stays text; and the sections a team needs are there, filled from the parts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { marked, type Tokens } from 'marked';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { collectAnswers } from '../src/answers/collect.js';
import type { Answers } from '../src/answers/fields.js';
import { loadChartTemplates, planChart } from '../src/chart/plan.js';
import { buildValueTree } from '../src/chart/values.js';
import { rowsOf } from '../src/chart/valueTree.js';
import { includedParts } from '../src/parts/index.js';
import { soupOf } from '../src/parts/soup.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../src/paths.js';

const templates = loadChartTemplates(CHART_TEMPLATES_DIR);
const readmeOf = (answers: Answers) =>
  planChart(answers, { generatorVersion: GENERATOR_VERSION, templates }).find((file) => file.path === 'README.md')!.content;

type Node = { type: string; value?: string; depth?: number; children?: Node[] };
const textOf = (node: Node): string => node.value ?? (node.children ?? []).map(textOf).join('');

/** Tables as arrays of row cell texts, by remark (mdast) and by marked. */
function remarkTables(markdown: string): string[][][] {
  const tree = fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }) as Node;
  return (tree.children ?? []).filter((node) => node.type === 'table').map((table) => (table.children ?? []).map((row) => (row.children ?? []).map(textOf)));
}
function markedTables(markdown: string): string[][][] {
  return marked
    .lexer(markdown)
    .filter((token): token is Tokens.Table => token.type === 'table')
    .map((table) => [table.header.map((cell) => cell.text), ...table.rows.map((row) => row.map((cell) => cell.text))]);
}
const headings = (markdown: string) =>
  ((fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }) as Node).children ?? [])
    .filter((node) => node.type === 'heading')
    .map((node) => `${'#'.repeat(node.depth ?? 1)} ${textOf(node)}`);

const SETS: Record<string, Record<string, unknown>> = {
  everything: {
    name: 'dose', safetyClass: 'C', dependencies: 'postgresql,redis,nats', postgresqlProvider: 'cloudnative-pg', backup: true,
    ingress: true, ingressControllerNamespace: 'traefik', ingressCertificate: 'cert-manager', certManagerIssuer: 'letsencrypt',
    persistence: true, serviceMonitor: true, description: 'Dose | rate *calc* <v2> `x` [y]',
  },
  managed: { name: 'alarm', safetyClass: 'B', dependencies: 'postgresql,redis,nats', postgresqlProvider: 'external', redisProvider: 'external', natsProvider: 'external' },
  legacy: { name: 'trial', safetyClass: 'A', dependencies: 'postgresql', postgresqlProvider: 'in-cluster', backup: true },
  bare: { name: 'bare', safetyClass: 'A', dependencies: 'none' },
};

describe.each(Object.keys(SETS))('the chart README (%s)', async (set) => {
  const answers = await collectAnswers({ flags: SETS[set]!, yes: true });
  const readme = readmeOf(answers);
  const remark = remarkTables(readme);
  const parsedByMarked = markedTables(readme);

  it('keeps every table row at the width of its header, in marked and remark alike', () => {
    expect(remark.length).toBeGreaterThan(4);
    expect(parsedByMarked.map((table) => table.length)).toEqual(remark.map((table) => table.length));
    for (const [index, table] of remark.entries()) {
      for (const row of table) expect(row.length, JSON.stringify(row)).toBe(table[0]!.length);
      for (const [rowIndex, row] of parsedByMarked[index]!.entries()) expect(row.length, JSON.stringify(row)).toBe(table[rowIndex]!.length);
    }
  });

  it('lists every value in a table of its section, with the type and default the schema and values.yaml have', () => {
    const rows = rowsOf(buildValueTree(answers));
    const valueRows = remark.filter((table) => table[0]!.join('|') === 'Key|Type|Default|Description').flatMap((table) => table.slice(1));
    expect(valueRows.map((row) => row[0]).sort()).toEqual(rows.map((row) => row.key).sort());
    for (const row of rows) {
      const cells = valueRows.find((candidate) => candidate[0] === row.key)!;
      expect(cells, row.key).toEqual([row.key, row.type, row.default, row.description]);
    }
    const sections = headings(readme).filter((heading) => heading.startsWith('### '));
    expect(sections[0]).toBe('### Top-level settings');
    expect(sections).toContain('### image: Application image');
  });

  it('lists every SOUP item with supplier, version, pinning and maintenance, and the test hook image', () => {
    const soup = remark.find((table) => table[0]![0] === 'Item')!;
    expect(soup[0]).toEqual(['Item', 'Kind', 'Version', 'Supplier', 'Licence', 'Pinned', 'Maintenance', 'Brought in by']);
    expect(soup.slice(1)).toEqual(
      soupOf(answers).map((item) => [item.name, item.kind, item.version, item.supplier, item.license, item.pinned, item.maintenance, item.broughtBy]),
    );
    expect(soup.map((row) => row[0])).toContain('docker.io/library/busybox');
  });

  it('states the app contract with the variables each part gives the app', () => {
    const env = remark.find((table) => table[0]![0] === 'Variable')!.slice(1).map((row) => row[0]);
    const documented = includedParts(answers).flatMap((part) => part.env?.(answers) ?? []).map((variable) => variable.name);
    expect(env).toEqual(['LOG_LEVEL', 'SESSION_SECRET', ...documented]);
    for (const text of ['`/livez`', '`/readyz`', '`/startupz`', `port ${answers.port}`, 'UID and GID 10001', 'read-only', '`/tmp`']) expect(readme).toContain(text);
  });

  it('has the sections a team needs, in order', () => {
    const top = headings(readme).filter((heading) => heading.startsWith('## '));
    const expected = ['## Prerequisites', '## What the app must do', '## Install', '## Upgrade', '## Rollback', '## Uninstall', '## SOUP: third-party software', '## Values'];
    expect(top.filter((heading) => expected.includes(heading))).toEqual(expected);
    expect(top).toContain('## Ingress and TLS');
    if (answers.dependencies.includes('postgresql')) expect(top).toContain('## PostgreSQL');
    if (answers.dependencies.includes('nats')) expect(top).toContain('## NATS');
  });
});

describe('the chart README says what a choice needs', () => {
  it('keeps a description full of Markdown as plain text in the first paragraph', async () => {
    const answers = await collectAnswers({ flags: SETS.everything!, yes: true });
    const tree = fromMarkdown(readmeOf(answers), { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }) as Node;
    const paragraph = tree.children![1]!;
    expect(paragraph.children).toEqual([expect.objectContaining({ type: 'text', value: 'Dose | rate *calc* <v2> `x` [y]' })]);
  });

  it('names the CloudNativePG operator and its CRD as prerequisites, and the cert-manager issuer', async () => {
    const readme = readmeOf(await collectAnswers({ flags: SETS.everything!, yes: true }));
    expect(readme).toMatch(/The CloudNativePG operator 1\.25 or later, installed once per cluster by its admin: it brings the `postgresql\.cnpg\.io\/v1` `Cluster` CRD/);
    expect(readme).toContain('cert-manager with the ClusterIssuer `letsencrypt`; it creates the TLS Secret.');
    expect(readme).toContain('An ingress controller in namespace `traefik` serving a default IngressClass.');
  });

  it('names the TLS Secret to create when no cert-manager is used', async () => {
    const readme = readmeOf(await collectAnswers({ flags: { name: 'api', ingress: true, ingressControllerNamespace: 'ingress' }, yes: true }));
    expect(readme).toContain('kubectl create secret tls my-release-api-tls --cert=tls.crt --key=tls.key --namespace my-namespace');
  });

  it('warns in the class rationale when the frozen Bitnami image runs for class B or C', async () => {
    const readme = readmeOf(await collectAnswers({ flags: { safetyClass: 'B', dependencies: 'postgresql', postgresqlProvider: 'in-cluster' }, yes: true }));
    expect(readme).toMatch(/> \*\*Warning:\*\* PostgreSQL in-cluster runs the frozen Bitnami legacy image .* not fit for IEC 62304 class B production/);
  });
});

describe('the example charts under charts/', () => {
  const chartsDir = fileURLToPath(new URL('../charts/', import.meta.url));
  const examples = readdirSync(chartsDir).filter((name) => statSync(join(chartsDir, name)).isDirectory());
  it.each(examples)('%s: its README parses the same in marked and remark, every row at header width', (name) => {
    const readme = readFileSync(join(chartsDir, name, 'README.md'), 'utf8');
    const remark = remarkTables(readme);
    const shape = (tables: string[][][]) => tables.map((table) => table.map((row) => row.length));
    expect(shape(markedTables(readme))).toEqual(shape(remark));
    for (const table of remark) for (const row of table) expect(row.length).toBe(table[0]!.length);
  });
});
