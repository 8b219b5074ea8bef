import type { StageResult } from '../verify/findings.js';
import { type ChartReport, countFindings, describeOccurrences, type DistinctFinding, distinctFindings, printable, type Report, valuesLabel } from './model.js';
import { isChartWide } from '../stages/list.js';

export type Verbosity = 'quiet' | 'normal' | 'verbose';

export interface TextOptions {
  verbosity: Verbosity;
  /** Show findings on objects of subcharts (counted apart otherwise). */
  includeSubcharts: boolean;
  colour: boolean;
}

function paint(enabled: boolean) {
  const wrap = (code: number) => (text: string) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { red: wrap(31), green: wrap(32), yellow: wrap(33), dim: wrap(2), bold: wrap(1), cyan: wrap(36) };
}

const CLASS_SOURCE = {
  annotation: 'from its chartwright.io/iec62304-class annotation',
  flag: 'from --class',
  unclassified: 'unclassified: judged as class C, as IEC 62304 requires; record the class in the chartwright.io/iec62304-class annotation of Chart.yaml or pass --class',
} as const;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function countsText(counts: { errors: number; warnings: number; infos: number }): string {
  return `${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}, ${plural(counts.infos, 'info')}`;
}

/**
 * The text report (stdout): per chart, the distinct findings grouped by file and object, each
 * printed once with where it holds; then a summary that names the failing charts.
 */
export function toText(report: Report, options: TextOptions): string {
  const c = paint(options.colour);
  const lines: string[] = [];
  const shownSeverities = new Set(options.verbosity === 'verbose' ? ['error', 'warning', 'info'] : options.verbosity === 'quiet' ? ['error'] : ['error', 'warning']);
  if (report.install && options.verbosity !== 'quiet') {
    lines.push(`install stage on ${report.install.description}`);
    for (const what of report.install.cannotVerify) lines.push(c.dim(`  not verified on this cluster: ${what}`));
    for (const warning of report.install.warnings) lines.push(`  ${c.yellow('warning')} ${warning}`);
    lines.push('');
  }
  for (const chart of report.charts) {
    const tested = { valuesSets: testedSets(chart), kubeVersions: report.kubeVersions };
    const all = distinctFindings(chart);
    const own = all.filter((finding) => !finding.subchart || options.includeSubcharts);
    const hiddenSubchart = all.filter((finding) => finding.subchart && !options.includeSubcharts);
    const shown = own.filter((finding) => shownSeverities.has(finding.severity));
    const status = chart.failed ? c.red('FAILED') : chart.stages.every((stage) => stage.status === 'planned' || stage.status === 'skipped') && chart.stages.some((stage) => stage.status === 'planned') ? c.cyan('planned') : c.green('passed');
    if (options.verbosity === 'quiet' && !chart.failed) continue;
    lines.push(`${c.bold(chart.name)}${chart.version ? ` ${chart.version}` : ''} (${printable(chart.path)}): ${status}`);
    if (options.verbosity !== 'quiet') lines.push(c.dim(`  IEC 62304 class ${chart.safetyClass}, ${CLASS_SOURCE[chart.classSource]}`));
    lines.push(...findingLines(shown, tested, c));
    if (hiddenSubchart.length && options.verbosity !== 'quiet') {
      const bySubchart = new Map<string, DistinctFinding[]>();
      for (const finding of hiddenSubchart) bySubchart.set(finding.subchart as string, [...(bySubchart.get(finding.subchart as string) ?? []), finding]);
      const parts = [...bySubchart].map(([name, findings]) => `${name}: ${countsText(countFindings(findings))}`);
      lines.push(c.dim(`  subcharts (not yours to edit; --include-subcharts shows them): ${parts.join('; ')}`));
    }
    if (options.verbosity !== 'quiet') {
      for (const exemption of chart.exemptions) lines.push(`  ${c.cyan('exempt')} [${exemption.rule}] ${exemption.object}: ${exemption.justification}`);
      lines.push(...skipLines(chart, options.verbosity, c));
    }
    if (options.verbosity === 'verbose') lines.push(...stageTable(chart.stages, c));
    lines.push('');
  }
  lines.push(summaryLine(report, c));
  return `${lines.join('\n')}\n`;
}

function testedSets(chart: ChartReport): string[][] {
  const seen = new Map<string, string[]>();
  for (const stage of chart.stages) if (stage.stage === 'lint' || stage.stage === 'template') seen.set(stage.valuesFiles.join('\0'), stage.valuesFiles);
  return [...seen.values()];
}

function findingLines(findings: readonly DistinctFinding[], tested: Parameters<typeof describeOccurrences>[1], c: ReturnType<typeof paint>): string[] {
  const lines: string[] = [];
  let file: string | undefined | null = null;
  let object: string | undefined | null = null;
  for (const finding of findings) {
    const findingFile = finding.file === undefined ? '(chart)' : printable(finding.file);
    if (findingFile !== file) {
      file = findingFile;
      object = null;
      lines.push(`  ${c.bold(findingFile)}`);
    }
    if ((finding.object ?? '') !== (object ?? '')) {
      object = finding.object ?? '';
      if (object) lines.push(`    ${object}`);
    }
    const indent = finding.object ? '      ' : '    ';
    const label = finding.severity === 'error' ? c.red('error  ') : finding.severity === 'warning' ? c.yellow('warning') : c.dim('info   ');
    const where = describeOccurrences(finding, tested);
    const [first, ...rest] = finding.message.split('\n');
    const line = finding.line ? `line ${finding.line}: ` : '';
    lines.push(`${indent}${label} ${finding.rule ? `[${finding.rule}] ` : ''}${line}${first}${where ? c.dim(`  (${where})`) : ''}`);
    for (const more of rest) lines.push(c.dim(`${indent}        ${more}`));
  }
  return lines;
}

function skipLines(chart: ChartReport, verbosity: 'normal' | 'verbose', c: ReturnType<typeof paint>): string[] {
  const lines: string[] = [];
  for (const duplicate of chart.duplicates) lines.push(c.dim(`  not tested again: ${printable(duplicate.file)} (same content as ${printable(duplicate.sameAs)})`));
  const skipped = chart.stages.filter((stage) => stage.status === 'skipped');
  if (skipped.length === 0) return lines;
  if (verbosity === 'verbose') return lines; // the stage table lists each
  const reasons = new Map<string, Set<string>>();
  for (const stage of skipped) reasons.set(stage.reason ?? 'skipped', (reasons.get(stage.reason ?? 'skipped') ?? new Set()).add(stage.stage));
  for (const [reason, stages] of reasons) lines.push(c.dim(`  skipped ${[...stages].join(', ')}: ${reason}`));
  return lines;
}

function stageTable(stages: readonly StageResult[], c: ReturnType<typeof paint>): string[] {
  return stages.map((result) => {
    const status = { passed: c.green('pass'), failed: c.red('FAIL'), skipped: c.yellow('skip'), planned: c.cyan('plan') }[result.status];
    const scope = isChartWide(result.stage) ? '' : `  ${valuesLabel(result.valuesFiles)}`;
    const kube = result.kubeVersion ? `  k8s ${result.kubeVersion}` : '';
    return `  ${status}  ${result.stage.padEnd(12)}${scope}${kube}  ${c.dim(`${result.durationMs} ms`)}${result.reason ? c.dim(`  (${result.reason})`) : ''}`;
  });
}

function summaryLine(report: Report, c: ReturnType<typeof paint>): string {
  const { summary } = report;
  const failed = summary.failedCharts.length;
  const charts = `${plural(summary.charts, 'chart')} tested, ${failed ? c.red(`${failed} failed (${summary.failedCharts.join(', ')})`) : c.green('all passed')}`;
  const findings = countsText(summary.findings);
  const sub = summary.subchartFindings;
  const subText = sub.errors + sub.warnings + sub.infos ? `; in subcharts ${countsText(sub)}` : '';
  const stages = summary.stages;
  const planned = stages.planned ? `, ${stages.planned} planned` : '';
  return `${charts}: ${findings}${subText}; checks: ${stages.passed} passed, ${stages.failed} failed, ${stages.skipped} skipped${planned}`;
}

/**
 * What `new` and `regenerate` print after checking the chart they wrote: the whole report when a
 * check failed, else one line (with the number of warnings, which `chartwright test` shows).
 */
export function checkedLines(report: Report, verb: 'verified' | 'checked', chartPath: string): { failed: boolean; lines: string[] } {
  const failed = report.summary.failedCharts.length > 0;
  if (failed) return { failed, lines: [toText(report, { verbosity: 'normal', includeSubcharts: false, colour: false }).trimEnd()] };
  const { findings, stages } = report.summary;
  const warnings = findings.warnings ? `; ${plural(findings.warnings, 'warning')} (\`chartwright test ${chartPath}\` shows them)` : '';
  return { failed, lines: [`${verb}: ${stages.passed} checks passed (lint, template, schema and policy for every values file and Kubernetes ${report.kubeVersions.join(', ')})${warnings}`] };
}
