#!/usr/bin/env node
// Benchmarks, printed and never asserted (timings belong here, not in tests). Run after
// `npm run build` and `npm run provision`; `npm run bench` does both.
//   1. `chartwright new --yes` against `helm create`, median wall time (target: at most 3x).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const helm = process.env.HELM_BIN ?? join(root, '.tools/helm-v4/helm');
const cli = join(root, 'bin/chartwright.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Wall time of each run of `command`, in milliseconds; one warm-up run first. */
function time(label, run) {
  run(-1);
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    run(i);
    samples.push(performance.now() - started);
  }
  return { label, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

const work = mkdtempSync(join(tmpdir(), 'chartwright-bench-'));
try {
  const quiet = { stdio: ['ignore', 'ignore', 'ignore'] };
  const ours = time('chartwright new --yes --no-verify', (i) =>
    execFileSync(process.execPath, [cli, 'new', '--yes', '--no-verify', join(work, `cw-${i + 1}`)], quiet),
  );
  const theirs = time('helm create', (i) => execFileSync(helm, ['create', join(work, `hc-${i + 1}`)], quiet));
  const show = (r) => `${r.label.padEnd(36)} median ${r.median.toFixed(1).padStart(7)} ms  (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}, ${RUNS} runs)`;
  console.log(show(ours));
  console.log(show(theirs));
  const ratio = ours.median / theirs.median;
  console.log(`ratio ${ratio.toFixed(2)}x (target <= 3.00x): ${ratio <= 3 ? 'met' : 'NOT met'}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
