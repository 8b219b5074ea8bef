import type { Finding, StageResult } from '../verify/findings.js';
import { type ChartReport, type Report, valuesLabel } from './model.js';
import { isChartWide } from '../stages/list.js';

// XML 1.0 cannot carry most control characters, even escaped.
const escape = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** `lint [values.yaml + values-prod.yaml]`, `schema [values.yaml] [Kubernetes 1.35]`. */
export function testcaseName(stage: StageResult): string {
  const chartWide = isChartWide(stage.stage);
  return `${stage.stage}${chartWide ? '' : ` [${valuesLabel(stage.valuesFiles)}]`}${stage.kubeVersion ? ` [Kubernetes ${stage.kubeVersion}]` : ''}`;
}

const findingLine = (finding: Finding) =>
  `${finding.severity}${finding.rule ? ` [${finding.rule}]` : ''} ${finding.file ?? ''}${finding.line ? `:${finding.line}` : ''}${finding.object ? ` ${finding.object}` : ''}: ${finding.message}`;

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  ms: number;
}

function counts(stages: readonly StageResult[]): Counts {
  return {
    tests: stages.length,
    failures: stages.filter((stage) => stage.status === 'failed').length,
    // A JUnit error is a test that could not run to a verdict: nothing chartwright reports is one.
    errors: 0,
    // A planned (--dry-run) check did not run: to CI it is skipped, never passed.
    skipped: stages.filter((stage) => stage.status === 'skipped' || stage.status === 'planned').length,
    ms: stages.reduce((total, stage) => total + stage.durationMs, 0),
  };
}

const countAttributes = (c: Counts) => `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${seconds(c.ms)}"`;
// Jenkins' schema has no `skipped` on <testsuites> (each <testsuite> carries it).
const totalAttributes = (c: Counts) => `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" time="${seconds(c.ms)}"`;

/**
 * JUnit XML in the shape Jenkins' and Ant's JUnit schemas describe: a testsuite per chart with
 * tests, failures, errors and skipped, a testcase per check (stage x values set x minor) whose
 * classname groups it by chart and stage, failures carrying the findings.
 */
export function toJunit(report: Report): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = report.charts.flatMap((chart) => chart.stages);
  lines.push(`<testsuites name="chartwright" ${totalAttributes(counts(all))}>`);
  report.charts.forEach((chart, index) => lines.push(...suite(chart, index)));
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

function suite(chart: ChartReport, index: number): string[] {
  const c = counts(chart.stages);
  const lines = [`  <testsuite name="${escape(chart.name)}" id="${index}" package="${escape(chart.path)}" ${countAttributes(c)}>`];
  lines.push('    <properties>');
  for (const [name, value] of [
    ['path', chart.path],
    ['chart-version', chart.version],
    ['iec62304-class', chart.safetyClass],
    ['iec62304-class-source', chart.classSource],
  ]) {
    lines.push(`      <property name="${name}" value="${escape(value as string)}"/>`);
  }
  lines.push('    </properties>');
  for (const stage of chart.stages) {
    const open = `    <testcase classname="${escape(`${chart.name}.${stage.stage}`)}" name="${escape(testcaseName(stage))}" time="${seconds(stage.durationMs)}"`;
    const shown = stage.findings.filter((finding) => finding.severity !== 'info');
    if (stage.status === 'failed') {
      const errors = shown.filter((finding) => finding.severity === 'error');
      const summary = `${errors.length} error(s), ${shown.length - errors.length} warning(s)`;
      lines.push(`${open}>`, `      <failure message="${escape(summary)}" type="${stage.stage}">${escape(shown.map(findingLine).join('\n'))}</failure>`, '    </testcase>');
    } else if (stage.status === 'skipped' || stage.status === 'planned') {
      const why = stage.status === 'planned' ? `planned only (--dry-run): ${stage.reason ?? 'nothing was run'}` : (stage.reason ?? 'skipped');
      lines.push(`${open}>`, `      <skipped message="${escape(why)}"/>`, '    </testcase>');
    } else if (shown.length) {
      lines.push(`${open}>`, `      <system-out>${escape(shown.map(findingLine).join('\n'))}</system-out>`, '    </testcase>');
    } else {
      lines.push(`${open}/>`);
    }
  }
  lines.push('  </testsuite>');
  return lines;
}
