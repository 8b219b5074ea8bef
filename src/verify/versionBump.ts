import { readFileSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import semver from 'semver';
import { parse as parseYaml } from 'yaml';
import { ToolError, UsageError } from '../errors.js';
import { spawnRunner } from '../process/runner.js';
import type { StageOutcome } from '../stages/model.js';
import type { VersionBumpService } from '../stages/list.js';
import type { Finding } from './findings.js';

/** What users install: changing any of it without a new chart version ships different charts under one version. */
const RELEASED = /^(templates\/.+|values[^/]*\.ya?ml|values\.schema\.json)$/;

interface GitChart {
  chartDir: string;
  top: string;
  /** The chart's path inside the repository, '' at its root. */
  path: string;
}

async function git(cwd: string, args: string[]) {
  const result = await spawnRunner({ command: 'git', args, cwd, env: { GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' }, timeoutMs: 60_000 });
  if (result.notFound) throw new ToolError('cannot run git for --since: git is not installed (e.g. apt-get install git)');
  return result;
}

/** Checks every chart is in a git repository holding REF; usage errors name what is wrong. */
async function locate(chartDirs: string[], ref: string): Promise<GitChart[]> {
  if (ref.trim() === '' || ref.startsWith('-')) throw new UsageError(`invalid --since ${JSON.stringify(ref)}: must be a git commit, branch or tag`);
  const charts: GitChart[] = [];
  for (const chartDir of chartDirs) {
    const top = await git(chartDir, ['rev-parse', '--show-toplevel']);
    if (top.exitCode !== 0) throw new UsageError(`--since needs a git repository, and ${chartDir} is not inside one`);
    const root = String(top.stdout).trim();
    const commit = await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    if (commit.exitCode !== 0) throw new UsageError(`invalid --since ${JSON.stringify(ref)}: no such commit, branch or tag in ${root}`);
    charts.push({ chartDir, top: root, path: relative(realpathSync(root), realpathSync(chartDir)).split(sep).join('/') });
  }
  return charts;
}

const nulList = (text: unknown) => String(text).split('\0').filter(Boolean);

/**
 * chart-testing's version check: when templates or values changed since REF (committed,
 * staged, unstaged or untracked), Chart.yaml's version must be higher than it was at REF.
 */
async function checkChart(chart: GitChart, ref: string): Promise<StageOutcome> {
  const scope = chart.path === '' ? '.' : chart.path;
  const prefix = chart.path === '' ? '' : `${chart.path}/`;
  const [diff, untracked] = await Promise.all([
    git(chart.top, ['diff', '--name-only', '-z', ref, '--', scope]),
    git(chart.top, ['ls-files', '--others', '--exclude-standard', '-z', '--', scope]),
  ]);
  if (diff.exitCode !== 0) throw new UsageError(`git diff against ${ref} failed: ${String(diff.stderr).trim()}`);
  const changed = [...new Set([...nulList(diff.stdout), ...nulList(untracked.stdout)])]
    .map((path) => path.slice(prefix.length))
    .filter((path) => RELEASED.test(path))
    .sort();
  const note = `chart version against ${ref}`;
  if (changed.length === 0) return { findings: [], note };
  const before = await git(chart.top, ['show', `${ref}:${prefix}Chart.yaml`]);
  if (before.exitCode !== 0) return { findings: [], note: `${note}: the chart is new since then` };
  const version = (text: string) => {
    try {
      return String((parseYaml(text) as { version?: unknown } | null)?.version ?? '');
    } catch {
      return '';
    }
  };
  const old = version(String(before.stdout));
  const now = version(readFileSync(join(chart.chartDir, 'Chart.yaml'), 'utf8'));
  if (semver.valid(old) && semver.valid(now) && semver.gt(now, old)) return { findings: [], note };
  const listed = changed.length > 4 ? `${changed.slice(0, 4).join(', ')} and ${changed.length - 4} more` : changed.join(', ');
  const finding: Finding = {
    severity: 'error',
    rule: 'version-bump',
    file: 'Chart.yaml',
    message:
      now === old
        ? `${listed} changed since ${ref}, but the chart version is still ${now}; run \`chartwright bump\``
        : `${listed} changed since ${ref}, but the chart version ${now || '(none)'} is not higher than ${old || '(none)'} there; run \`chartwright bump\``,
  };
  return { findings: [finding], note };
}

/**
 * The version check as a stage service. Throws a UsageError before any stage runs when a chart
 * is outside a git repository or REF is not a commit there.
 */
export async function versionBumpService(chartDirs: string[], ref: string): Promise<VersionBumpService> {
  const charts = await locate(chartDirs, ref);
  return {
    check: async (chartDir) => {
      const chart = charts.find((candidate) => candidate.chartDir === chartDir);
      if (!chart) throw new Error(`version check: ${chartDir} was not located`);
      return checkChart(chart, ref);
    },
  };
}
