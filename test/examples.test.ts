import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSavedAnswers } from '../src/records/index.js';
import { loadChartTemplates, planChart } from '../src/chart/plan.js';
import { CHART_TEMPLATES_DIR, GENERATOR_VERSION } from '../src/paths.js';

const chartsDir = fileURLToPath(new URL('../charts/', import.meta.url));
const examples = readdirSync(chartsDir).filter((name) => statSync(join(chartsDir, name)).isDirectory());

/** Files of a chart on disk, minus fetched dependencies (charts/), which are not generated. */
function filesOnDisk(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      const path = relative(dir, full).split(sep).join('/');
      if (path === 'charts') continue;
      if (entry.isDirectory()) walk(full);
      else files.set(path, readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

describe('example charts under charts/', () => {
  it('cover class A minimal, class B with PostgreSQL, class C with everything, and the broker with the HA database', async () => {
    const saved = await Promise.all(examples.map((name) => readSavedAnswers(join(chartsDir, name))));
    const classes = saved.map(({ answers }) => answers);
    expect(classes.some((a) => a.safetyClass === 'A' && a.dependencies.length === 0)).toBe(true);
    expect(classes.some((a) => a.safetyClass === 'B' && a.dependencies.includes('postgresql'))).toBe(true);
    expect(
      classes.some(
        (a) =>
          a.safetyClass === 'C' &&
          a.dependencies.includes('postgresql') &&
          a.dependencies.includes('redis') &&
          a.ingress &&
          a.serviceMonitor &&
          a.backup,
      ),
    ).toBe(true);
    expect(
      classes.some(
        (a) =>
          a.safetyClass === 'C' &&
          a.dependencies.includes('nats') &&
          a.natsProvider === 'in-cluster' &&
          a.postgresqlProvider === 'cloudnative-pg' &&
          a.ingressCertificate === 'cert-manager' &&
          a.backup,
      ),
    ).toBe(true);
  });

  const templates = loadChartTemplates(CHART_TEMPLATES_DIR);
  it.each(examples)('%s matches what the current templates generate (run `npm run examples` to update)', async (name) => {
    const dir = join(chartsDir, name);
    const { answers, generatorVersion } = await readSavedAnswers(dir);
    expect(generatorVersion).toBe(GENERATOR_VERSION);
    const planned = new Map(planChart(answers, { generatorVersion: GENERATOR_VERSION, templates }).map((f) => [f.path, f.content]));
    const onDisk = filesOnDisk(dir);
    expect([...onDisk.keys()].sort()).toEqual([...planned.keys()].sort());
    for (const [path, content] of planned) expect(onDisk.get(path), path).toBe(content);
  });
});
