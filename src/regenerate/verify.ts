import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import type { Report } from '../report/model.js';
import { verifyChart } from '../stages/verify.js';
import type { HelmRunner } from '../tools/helm.js';
import type { Mirror } from '../verify/mirror.js';

export interface RegenerateVerification {
  report: Report;
  /** Set when the chart was checked without its dependencies (absent from charts/, no mirror). */
  withoutDependencies?: string[];
}

/**
 * The checks `new` makes (the static stages of `chartwright test`: lint, template, schema,
 * policy for every values set) over the regenerated chart, so a merge that breaks the chart (a
 * helper call, two exclusive values) fails the run. Dependencies missing from charts/ with no
 * mirror to fetch them from would fail it for a reason regenerate did not cause: the chart is then
 * checked in a temporary copy without them, and the caller says so (no generated template calls
 * into a subchart).
 */
export async function verifyRegenerated(helm: HelmRunner, chartDir: string, mirror: Mirror | undefined): Promise<RegenerateVerification> {
  const missing = mirror ? [] : missingDependencies(chartDir, await readFile(join(chartDir, 'Chart.yaml'), 'utf8').catch(() => ''));
  if (missing.length === 0) return { report: await verifyChart({ helm, chartDir, ...(mirror ? { mirror } : {}) }) };
  const scratch = await mkdtemp(join(tmpdir(), 'chartwright-regenerate-'));
  try {
    const dir = join(scratch, 'chart');
    await cp(chartDir, dir, { recursive: true });
    const chart = parseDocument(await readFile(join(dir, 'Chart.yaml'), 'utf8'), { version: '1.1' });
    chart.delete('dependencies');
    await writeFile(join(dir, 'Chart.yaml'), chart.toString());
    await rm(join(dir, 'Chart.lock'), { force: true });
    return { report: await verifyChart({ helm, chartDir: dir }), withoutDependencies: missing };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Dependencies declared in Chart.yaml with no archive or directory for them in charts/. */
function missingDependencies(chartDir: string, chartYaml: string): string[] {
  const dependencies = parseDocument(chartYaml, { version: '1.1' }).get('dependencies');
  if (!isSeq(dependencies)) return [];
  const present = existsSync(join(chartDir, 'charts')) ? readdirSync(join(chartDir, 'charts')) : [];
  return dependencies.items
    .filter(isMap)
    .map((dependency) => String(dependency.get('name') ?? ''))
    .filter((name) => name && !present.some((entry) => entry === name || (entry.startsWith(`${name}-`) && entry.endsWith('.tgz'))));
}
