#!/usr/bin/env node
// Benchmarks, printed and never asserted (timings belong here, not in tests). `npm run bench`
// builds and provisions the toolchain first. All figures come from one run on one machine.
//   1. `chartwright new --yes --no-verify` against `helm create` (target: at most 3x), and
//      verified `new --yes` against the same work by hand: helm create, then helm lint and helm
//      template with each values file (target: at most 1.0x). The runs alternate; the judged
//      ones have chartwright's code cache, and a first run, which makes it, is shown beside them.
//   2. `chartwright test` on the `new --yes` chart and on each example chart against the helm
//      calls it stands for, run bare one after another: lint per values set, template per values
//      set and Kubernetes minor (target: at most 0.8x on the `--yes` chart).
//   3. `chartwright test` on 20 charts (copies of the examples) against the bare sequential helm
//      calls (target: at most 0.5x), with chartwright's peak memory.
//   4. KWOK (when provisioned): cluster start-up (target: at most 15 s), and the four examples x
//      their values sets through the whole install lifecycle with --install-concurrency 1 and 3
//      (target: at most 120 s).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_KUBE_VERSIONS } from '../dist/commands/test.js';
import { valuesFileSets } from '../dist/stages/chart.js';
import { GATED_API_VERSIONS } from '../dist/stages/helmStages.js';
import { newestTool, readToolchain } from './toolchain/manifest.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const toolchain = readToolchain(root);
const newest = (role, prefix = '') => newestTool(toolchain, role, prefix);
const helm = process.env.HELM_BIN ?? join(root, newest('helm', '4.')?.path ?? '.tools/helm-v4/helm');
const cli = join(root, 'bin/chartwright.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const quiet = { stdio: ['ignore', 'ignore', 'ignore'] };
// chartwright's runs keep their code cache (bin/chartwright.js) in the bench's directory, not the user's.
const quietChartwright = () => ({ ...quiet, env: { ...process.env, XDG_CACHE_HOME: join(work, 'cache') } });

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
/** Each command once as a warm-up, then all of them in turn `runs` times: their timings. */
function interleaved(runs, ...commands) {
  for (const command of commands) command(-1);
  const samples = commands.map(() => []);
  for (let i = 0; i < runs; i++) commands.forEach((command, k) => samples[k].push(wall(() => command(i))));
  return samples.map((values) => ({ median: median(values), min: Math.min(...values) }));
}
const withoutExtraCaCerts = (env) => Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'));
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
      // Every dependency with a stand-in under test/fixtures/dependency-charts, packaged into charts/.
      for (const dependency of readdirSync(fixtures)) {
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
  // NODE_EXTRA_CA_CERTS makes every Node process parse a certificate bundle before it runs any
  // code (about 70 ms on this machine, where the sandbox sets it). It is a cost of the
  // environment, not of chartwright: the verdicts use an environment without it, and the
  // figures with it are printed beside them.
  const environments = process.env.NODE_EXTRA_CA_CERTS
    ? [{ label: 'without NODE_EXTRA_CA_CERTS', env: withoutExtraCaCerts(process.env) }, { label: `with NODE_EXTRA_CA_CERTS (set here), not judged`, env: process.env }]
    : [{ label: '', env: process.env }];
  const helmCreate = (i, tag) => execFileSync(helm, ['create', join(work, `hc${tag}-${i + 1}`)], quiet);
  const byHand = (i, tag) => {
    const dir = join(work, `hand${tag}-${i + 1}`);
    execFileSync(helm, ['create', dir], quiet);
    // helm create makes no values-dev/prod files: the by-hand run lints and renders its values.yaml
    // once for each of chartwright's three values sets, the same number of helm calls.
    for (let valuesSet = 0; valuesSet < 3; valuesSet++) {
      spawnSync(helm, ['lint', dir, '--strict'], quiet);
      spawnSync(helm, ['template', 'release-name', dir], quiet);
    }
  };
  for (const [index, { label, env }] of environments.entries()) {
    if (label) console.log(`  ${label}:`);
    const judged = index === 0;
    // The warm-up runs write the code cache; each first run (the third figure) makes its own.
    const chartwright = (args, dir, cache = 'cache') =>
      execFileSync(process.execPath, [cli, 'new', '--yes', ...args, join(work, dir)], { ...quiet, env: { ...env, HELM_BIN: helm, XDG_CACHE_HOME: join(work, cache) } });
    // Alternated run by run, so a slower spell of the machine weighs on both sides alike.
    const [nodeAlone] = interleaved(RUNS, () => execFileSync(process.execPath, ['-e', '0'], { ...quiet, env }));
    const [theirs, ours] = interleaved(RUNS, (i) => helmCreate(i, index), (i) => chartwright(['--no-verify'], `cw${index}-${i + 1}`));
    const [hand, verified, firstRun] = interleaved(
      RUNS,
      (i) => byHand(i, index),
      (i) => chartwright([], `cwv${index}-${i + 1}`),
      (i) => chartwright([], `cwf${index}-${i + 1}`, `first-cache${index}-${i + 1}`),
    );
    console.log(`    node -e 0 (Node's own start)       median ${ms(nodeAlone.median)}`);
    console.log(`    helm create                        median ${ms(theirs.median)}  (min ${ms(theirs.min)}, ${RUNS} runs)`);
    console.log(`    chartwright new --yes --no-verify  median ${ms(ours.median)}  (min ${ms(ours.min)}, ${RUNS} runs)`);
    console.log(`    ratio to helm create ${judged ? verdict(ours.median / theirs.median, 3) : `${(ours.median / theirs.median).toFixed(2)}x`}`);
    console.log(`    by hand: helm create, lint and template x 3 values files  median ${ms(hand.median)}  (${RUNS} runs)`);
    console.log(`    chartwright new --yes (verified)   median ${ms(verified.median)}  (${RUNS} runs)`);
    console.log(`    ratio to by hand ${judged ? verdict(verified.median / hand.median, 1) : `${(verified.median / hand.median).toFixed(2)}x`}`);
    console.log(`    the same as a first run (no code cache yet), not judged: median ${ms(firstRun.median)}, ${(firstRun.median / hand.median).toFixed(2)}x by hand`);
  }

  console.log('\n2a. chartwright test on the `new --yes` chart vs the helm calls it stands for');
  {
    const dir = join(work, 'cw0-1');
    const tool = repeat(5, () => spawnSync(process.execPath, [cli, 'test', dir, '--helm', helm], quietChartwright()));
    const bare = repeat(5, () => bareHelmCalls(dir));
    console.log(`  chartwright ${ms(tool.median)}  bare helm ${ms(bare.median)}  ratio ${verdict(tool.median / bare.median, 0.8)}`);
  }

  console.log('\n2b. chartwright test per example chart vs the same helm calls run bare in sequence');
  const examples = prepareExamples(join(work, 'examples'));
  for (const dir of examples) {
    const runs = 3;
    const tool = repeat(runs, () => spawnSync(process.execPath, [cli, 'test', dir, '--helm', helm], quietChartwright()));
    const bare = repeat(runs, () => bareHelmCalls(dir));
    console.log(`  ${dir.split('/').pop().padEnd(22)} chartwright ${ms(tool.median)}  bare helm ${ms(bare.median)}  ratio ${(tool.median / bare.median).toFixed(2)}x`);
  }

  console.log('\n3. twenty charts');
  const twenty = prepareExamples(join(work, 'twenty'), 5).slice(0, 20);
  let peakKiB = 'n/a';
  const tool = wall(() => {
    const timed = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cli, 'test', ...twenty, '--helm', helm], { encoding: 'utf8', env: quietChartwright().env });
    if (timed.error) spawnSync(process.execPath, [cli, 'test', ...twenty, '--helm', helm], quietChartwright());
    else peakKiB = timed.stderr.trim().split('\n').pop();
  });
  const bare = wall(() => twenty.forEach(bareHelmCalls));
  console.log(`  chartwright test (20 charts) ${ms(tool)}  bare sequential helm ${ms(bare)}  ratio ${verdict(tool / bare, 0.5)}`);
  console.log(`  chartwright peak memory (max RSS of the node process): ${peakKiB === 'n/a' ? peakKiB : `${(Number(peakKiB) / 1024).toFixed(0)} MiB`}`);

  console.log('\n4. KWOK');
  if (!newest('kwokctl')) {
    console.log(`  skipped: the KWOK toolchain is not provisioned${toolchain?.skipped ? ` (${toolchain.skipped})` : ''}`);
  } else {
    await kwokBench(examples);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function kwokBench(examples) {
  const { openInstall, resolveInstallOptions } = await import('../dist/install/index.js');
  const { detectHelm, HelmRunner } = await import('../dist/tools/helm.js');
  const kubectl = newest('kubectl');
  process.env.KUBECTL_BIN ??= join(root, kubectl.path);
  const runner = new HelmRunner(await detectHelm(helm));
  const samples = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const session = await openInstall(resolveInstallOptions({ cluster: 'kwok' }), { helm: runner, signal: new AbortController().signal, guard: null, print: () => {} });
    samples.push(performance.now() - started);
    await session.close();
  }
  runner.dispose();
  console.log(`  cluster up (kwokctl create, one node Ready, API server answering)  median ${ms(median(samples))}  (3 runs): ${median(samples) <= 15_000 ? 'met' : 'NOT met'} (target <= 15 s)`);
  for (const concurrency of [1, 3]) {
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      // infusion-events renders a CloudNativePG Cluster: the stand-in of its CRD goes on the cluster first.
      [cli, 'test', ...examples, '--helm', helm, '--cluster', 'kwok', '--install-concurrency', String(concurrency), '--kube-version', '1.35', '--format', 'json', '--apply', join(root, 'test/fixtures/crds/cloudnative-pg-cluster.stand-in.yaml')],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: process.env },
    );
    const total = performance.now() - started;
    let releases = [];
    try {
      releases = JSON.parse(result.stdout).charts.flatMap((chart) => chart.stages.filter((stage) => stage.stage === 'install'));
    } catch {
      console.log(`  --install-concurrency ${concurrency}: no report (exit ${result.status}): ${result.stderr.slice(-500)}`);
      continue;
    }
    const failures = releases.filter((stage) => stage.status !== 'passed');
    const failed = failures.length;
    // A failed release says why: the bench is also where a flaky lifecycle shows first.
    for (const stage of failures) {
      const reason = stage.findings?.find((finding) => finding.severity === 'error')?.message ?? stage.status;
      console.log(`  FAILED (values: ${stage.valuesFiles.join(', ') || 'defaults'}) ${reason}`.slice(0, 600));
    }
    // The steps' own time: a release waiting for a free slot (--install-concurrency) is not working.
    const lifecycle = median(releases.map((stage) => (stage.steps ?? []).reduce((total, step) => total + step.durationMs, 0)));
    console.log(
      `  ${releases.length} releases, --install-concurrency ${concurrency}: whole run ${ms(total)}, lifecycle per release median ${ms(lifecycle)}${failed ? `, ${failed} FAILED` : ''}: ${total <= 120_000 ? 'met' : 'NOT met'} (target <= 120 s)`,
    );
  }
}
