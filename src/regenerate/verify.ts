import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import type { HelmRunner } from '../tools/helm.js';
import type { StageResult } from '../verify/findings.js';
import { lintStage, templateStage, valuesFileSets } from '../verify/stages.js';

export interface RegenerateVerification {
  results: StageResult[];
  /** Set when the chart was checked without its dependencies (absent from charts/). */
  withoutDependencies?: string[];
}

/**
 * `helm lint --strict` and `helm template` of the regenerated chart with each values set, so a
 * merge that breaks the chart (a helper call, two exclusive values) fails the run. Dependencies
 * missing from charts/ (not fetched yet) would fail both for a reason regenerate did not cause:
 * the chart is then checked in a temporary copy without them, and the report says so; no
 * generated template calls into a subchart.
 */
export async function verifyRegenerated(helm: HelmRunner, chartDir: string): Promise<RegenerateVerification> {
  const missing = missingDependencies(chartDir, await readFile(join(chartDir, 'Chart.yaml'), 'utf8').catch(() => ''));
  let dir = chartDir;
  let scratch: string | undefined;
  try {
    if (missing.length) {
      scratch = await mkdtemp(join(tmpdir(), 'chartwright-regenerate-'));
      dir = join(scratch, 'chart');
      await cp(chartDir, dir, { recursive: true });
      const chart = parseDocument(await readFile(join(dir, 'Chart.yaml'), 'utf8'), { version: '1.1' });
      chart.delete('dependencies');
      await writeFile(join(dir, 'Chart.yaml'), chart.toString());
      await rm(join(dir, 'Chart.lock'), { force: true });
    }
    // Values sets at once, results in a fixed order, as the verify stages do.
    const perSet = await Promise.all(
      valuesFileSets(dir).map(async (values) => [await lintStage(helm, dir, values), (await templateStage(helm, dir, values)).result]),
    );
    const results: StageResult[] = perSet.flat();
    return { results, ...(missing.length ? { withoutDependencies: missing } : {}) };
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
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
