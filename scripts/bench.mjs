#!/usr/bin/env node
// Benchmarks, printed and never asserted (timings belong here, not in tests). `npm run bench`
// builds and provisions helm first. All figures come from one run on one machine.
//   1. `chartwright new --yes` against `helm create`: median wall time (target: at most 3x).
//   2. `chartwright test` on each example chart against the same helm lint/template calls run
//      bare one after another (target: at most 1.0x).
//   3. `chartwright test` on 20 charts (copies of the examples) against the bare sequential helm
//      calls (target: at most 0.6x), with chartwright's peak memory.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_KUBE_VERSIONS } from '../dist/commands/test.js';
import { GATED_API_VERSIONS, valuesFileSets } from '../dist/verify/stages.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const helm = process.env.HELM_BIN ?? join(root, '.tools/helm-v4/helm');
const cli = join(root, 'bin/chartwright.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const quiet = { stdio: ['ignore', 'ignore', 'ignore'] };

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const wall = (run) => {
  const started = performance.now();
  run();
  return performance.now() - started;
};
function repeat(runs, run) {
  run(-1); // warm-up: file cache, binaries
  const samples = Array.from({ length: runs }, (_, i) => wall(() => run(i)));
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}
const ms = (value) => `${value.toFixed(0).padStart(6)} ms`;
const verdict = (ratio, target) => `${ratio.toFixed(2)}x (target <= ${target.toFixed(2)}x): ${ratio <= target ? 'met' : 'NOT met'}`;

/** The helm calls `chartwright test` makes for one chart, run bare one after another. */
function bareHelmCalls(chartDir) {
  const seen = new Set();
  const newest = DEFAULT_KUBE_VERSIONS[DEFAULT_KUBE_VERSIONS.length - 1];
  for (const valuesFiles of valuesFileSets(chartDir)) {
    // chartwright skips a ci/ copy identical to a root values file; so does the baseline.
    const content = valuesFiles.length ? readFileSync(join(chartDir, valuesFiles[0]), 'utf8') : '';
    if (valuesFiles.length && seen.has(content)) continue;
    seen.add(content);
    const values = valuesFiles.flatMap((file) => ['--values', join(chartDir, file)]);
    spawnSync(helm, ['lint', chartDir, '--strict', ...values, '--kube-version', newest], quiet);
    for (const minor of DEFAULT_KUBE_VERSIONS) {
      spawnSync(helm, ['template', 'release-name', chartDir, ...values, ...GATED_API_VERSIONS.flatMap((api) => ['--api-versions', api]), '--kube-version', minor], quiet);
    }
  }
}

/** Copies the examples with their dependencies packaged from the test fixtures (offline). */
function prepareExamples(into, copies = 1) {
  const dirs = [];
  const fixtures = join(root, 'test/fixtures/dependency-charts');
  const examples = readdirSync(join(root, 'charts')).filter((name) => existsSync(join(root, 'charts', name, 'Chart.yaml')));
  for (let copy = 0; copy < copies; copy++) {
    for (const name of examples) {
      const dir = join(into, `${name}-${copy}`);
      cpSync(join(root, 'charts', name), dir, { recursive: true });
      const chart = readFileSync(join(dir, 'Chart.yaml'), 'utf8');
      for (const dependency of ['postgresql', 'valkey']) {
        if (!chart.includes(`- name: ${dependency}`)) continue;
        mkdirSync(join(dir, 'charts'), { recursive: true });
        execFileSync(helm, ['package', join(fixtures, dependency), '--destination', join(dir, 'charts')], quiet);
      }
      dirs.push(dir);
    }
  }
  return dirs;
}

const work = mkdtempSync(join(tmpdir(), 'chartwright-bench-'));
try {
  console.log(`helm: ${execFileSync(helm, ['version', '--template', '{{.Version}}'], { encoding: 'utf8' })}; Kubernetes minors: ${DEFAULT_KUBE_VERSIONS.join(', ')}`);

  console.log('\n1. scaffold');
  const ours = repeat(RUNS, (i) => execFileSync(process.execPath, [cli, 'new', '--yes', '--no-verify', join(work, `cw-${i + 1}`)], quiet));
  const theirs = repeat(RUNS, (i) => execFileSync(helm, ['create', join(work, `hc-${i + 1}`)], quiet));
  console.log(`  chartwright new --yes --no-verify  median ${ms(ours.median)}  (min ${ms(ours.min)}, ${RUNS} runs)`);
  console.log(`  helm create                        median ${ms(theirs.median)}  (min ${ms(theirs.min)}, ${RUNS} runs)`);
  console.log(`  ratio ${verdict(ours.median / theirs.median, 3)}`);

  console.log('\n2. chartwright test per example chart vs the same helm calls run bare in sequence');
  const examples = prepareExamples(join(work, 'examples'));
  for (const dir of examples) {
    const runs = 3;
    const tool = repeat(runs, () => spawnSync(process.execPath, [cli, 'test', dir, '--helm', helm], quiet));
    const bare = repeat(runs, () => bareHelmCalls(dir));
    console.log(`  ${dir.split('/').pop().padEnd(22)} chartwright ${ms(tool.median)}  bare helm ${ms(bare.median)}  ratio ${verdict(tool.median / bare.median, 1)}`);
  }

  console.log('\n3. twenty charts');
  const twenty = prepareExamples(join(work, 'twenty'), 5).slice(0, 20);
  let peakKiB = 'n/a';
  const tool = wall(() => {
    const timed = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, 'test', ...twenty, '--helm', helm], { encoding: 'utf8' });
    if (timed.error) spawnSync(process.execPath, [cli, 'test', ...twenty, '--helm', helm], quiet);
    else peakKiB = timed.stderr.trim().split('\n').pop();
  });
  const bare = wall(() => twenty.forEach(bareHelmCalls));
  console.log(`  chartwright test (20 charts) ${ms(tool)}  bare sequential helm ${ms(bare)}  ratio ${verdict(tool / bare, 0.6)}`);
  console.log(`  chartwright peak memory (max RSS of the node process): ${peakKiB === 'n/a' ? peakKiB : `${(Number(peakKiB) / 1024).toFixed(0)} MiB`}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
