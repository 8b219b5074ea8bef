import type { Finding, StageResult } from '../verify/findings.js';
import { valuesLabel } from './human.js';
import type { Report } from './model.js';

// XML 1.0 cannot carry most control characters, even escaped.
const escape = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function testcaseName(stage: StageResult): string {
  const scope = stage.stage === 'dependencies' ? '' : ` [${valuesLabel(stage.valuesFiles)}]`;
  return `${stage.stage}${scope}${stage.kubeVersion ? ` [Kubernetes ${stage.kubeVersion}]` : ''}`;
}

const findingLine = (finding: Finding) =>
  `${finding.severity}${finding.rule ? ` [${finding.rule}]` : ''} ${finding.file ?? ''}${finding.line ? `:${finding.line}` : ''}${finding.object ? ` ${finding.object}` : ''}: ${finding.message}`;

/** JUnit XML: a testsuite per chart, a testcase per stage × values file × Kubernetes minor. */
export function toJunit(report: Report): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const totals = report.charts.flatMap((chart) => chart.stages);
  lines.push(
    `<testsuites name="chartwright" tests="${totals.length}" failures="${totals.filter((s) => s.status === 'failed').length}" skipped="${totals.filter((s) => s.status === 'skipped').length}" time="${seconds(report.durationMs)}">`,
  );
  for (const chart of report.charts) {
    const failures = chart.stages.filter((stage) => stage.status === 'failed').length;
    const skipped = chart.stages.filter((stage) => stage.status === 'skipped').length;
    const time = chart.stages.reduce((total, stage) => total + stage.durationMs, 0);
    lines.push(`  <testsuite name="${escape(chart.name)}" tests="${chart.stages.length}" failures="${failures}" skipped="${skipped}" time="${seconds(time)}">`);
    lines.push(`    <properties><property name="path" value="${escape(chart.path)}"/><property name="iec62304-class" value="${chart.safetyClass}"/></properties>`);
    for (const stage of chart.stages) {
      const open = `    <testcase classname="${escape(chart.name)}" name="${escape(testcaseName(stage))}" time="${seconds(stage.durationMs)}"`;
      const shown = stage.findings.filter((finding) => finding.severity !== 'info');
      if (stage.status === 'failed') {
        const errors = shown.filter((finding) => finding.severity === 'error');
        const summary = `${errors.length} error(s), ${shown.length - errors.length} warning(s)`;
        lines.push(`${open}>`, `      <failure message="${escape(summary)}" type="${stage.stage}">${escape(shown.map(findingLine).join('\n'))}</failure>`, '    </testcase>');
      } else if (stage.status === 'skipped') {
        lines.push(`${open}>`, `      <skipped message="${escape(stage.reason ?? 'skipped')}"/>`, '    </testcase>');
      } else if (shown.length) {
        lines.push(`${open}>`, `      <system-out>${escape(shown.map(findingLine).join('\n'))}</system-out>`, '    </testcase>');
      } else {
        lines.push(`${open}/>`);
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
