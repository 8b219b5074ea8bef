import type { Severity } from '../verify/findings.js';
import { type DistinctFinding, distinctFindings, type Report } from './model.js';

/** What SARIF shows about a rule: where chartwright documents it, and what it is for. */
export interface RuleInfo {
  id: string;
  summary: string;
  help: string;
  /** security, reliability, ... (SARIF tags). */
  category?: string;
  /** The hazard the rule controls (IEC 62304 risk-control traceability). */
  hazard?: string;
}

/** Rules of the stages other than policy: a finding's rule, or its stage when it names none. */
const STAGE_RULES: Record<string, Omit<RuleInfo, 'id'>> = {
  symlink: { summary: 'A file of the chart is a symlink that leads out of it', help: 'Replace the link with the file itself: chartwright reads nothing outside the chart under test.' },
  'dependency-fetch': { summary: 'A dependency could not be fetched', help: 'Check the repository in Chart.yaml, or pass --mirror with a registry that holds it.' },
  'dependency-version': { summary: 'charts/ holds a dependency at another version than Chart.yaml asks for', help: 'Run helm dependency update, or fix the version in Chart.yaml.' },
  'version-bump': { summary: 'Templates or values changed without a higher chart version', help: 'Run chartwright bump.' },
  lint: { summary: 'helm lint --strict reported a problem', help: 'Fix what helm lint reports; under --strict warnings fail too.' },
  render: { summary: 'helm template could not render the chart', help: 'Fix the template error helm reports.' },
  values: { summary: 'helm refused the values', help: 'Fix the values file, or the values against values.schema.json.' },
  'yaml-syntax': { summary: 'A rendered document is not valid YAML or not an object', help: 'Fix the template so that it renders a Kubernetes object.' },
  'time-limit': { summary: 'A helm call did not finish within its time limit', help: 'Look for a template that loops; raise the limit with --helm-timeout.' },
  schema: { summary: 'A rendered object does not match the Kubernetes OpenAPI schema', help: 'Fix the field type, value or required field the message names.' },
  'unknown-field': { summary: 'A rendered object holds a field Kubernetes does not know', help: 'Remove or correct the field (a typo, or a field of a newer Kubernetes).' },
  'unknown-api': { summary: 'A built-in API version or kind does not exist in the target minor', help: 'Use an API version the target Kubernetes minor serves.' },
  'removed-api': { summary: 'An API version was removed in the target Kubernetes minor', help: 'Move to the replacement API version the message names.' },
  'not-validated': { summary: 'A custom resource without its CRD in the chart was not validated', help: 'Ship the CustomResourceDefinition in crds/ to validate it.' },
};

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

const ruleIdOf = (finding: DistinctFinding) => finding.rule ?? finding.stage;

/**
 * SARIF 2.1.0 (what GitHub code scanning and kube-linter users read): one run, a rule per rule
 * ID that occurs, a result per distinct finding with its file in the repository and the object
 * as a logical location. Deterministic: no timestamps, stable order.
 */
export function toSarif(report: Report, ruleInfo: (id: string) => RuleInfo | undefined = () => undefined): string {
  const results: object[] = [];
  const ruleIds: string[] = [];
  for (const chart of report.charts) {
    for (const finding of distinctFindings(chart)) {
      const id = ruleIdOf(finding);
      if (!ruleIds.includes(id)) ruleIds.push(id);
      const uri = finding.file ? `${chart.path === '.' ? '' : `${chart.path}/`}${finding.file}` : `${chart.path === '.' ? '' : `${chart.path}/`}Chart.yaml`;
      const where = finding.occurrences
        .map((occurrence) => `${occurrence.valuesFiles.length ? occurrence.valuesFiles.join('+') : 'values.yaml'}${occurrence.kubeVersion ? `@${occurrence.kubeVersion}` : ''}`)
        .join(', ');
      results.push({
        ruleId: id,
        level: LEVEL[finding.severity],
        message: { text: finding.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: encodeURI(uri), uriBaseId: 'SRCROOT' },
              ...(finding.line ? { region: { startLine: finding.line } } : {}),
            },
            ...(finding.object ? { logicalLocations: [{ name: finding.object, kind: 'object' }] } : {}),
          },
        ],
        properties: { chart: chart.name, stage: finding.stage, ...(finding.subchart ? { subchart: finding.subchart } : {}), ...(where ? { occurrences: where } : {}) },
      });
    }
  }
  ruleIds.sort();
  const rules = ruleIds.map((id) => {
    const info = ruleInfo(id) ?? (STAGE_RULES[id] ? { id, ...STAGE_RULES[id] } : undefined);
    return {
      id,
      shortDescription: { text: info?.summary ?? id },
      ...(info ? { fullDescription: { text: info.summary }, help: { text: info.help } } : {}),
      properties: { ...(info?.category ? { tags: [info.category] } : {}), ...(info?.hazard ? { hazard: info.hazard } : {}) },
    };
  });
  for (const result of results as { ruleId: string; ruleIndex?: number }[]) result.ruleIndex = ruleIds.indexOf(result.ruleId);
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'chartwright',
            version: report.tool.version,
            semanticVersion: report.tool.version,
            informationUri: 'https://github.com/chartwright/chartwright',
            rules,
          },
        },
        originalUriBaseIds: { SRCROOT: { description: { text: 'The directory chartwright test ran in' } } },
        results,
        properties: { kubeVersions: report.kubeVersions, helm: report.helm.version },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
