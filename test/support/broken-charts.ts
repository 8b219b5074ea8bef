// A corpus of deliberately broken charts: copies of the example charts in charts/, each with
// exactly ONE fault put in by editing its files on disk (a template or a values file), never by
// changing the generator. Each fault names the one stage and rule that must report it, so a test
// can check that the right stage catches it and that no other stage reports it a second time.
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixtureChartsDir } from './registry.js';
import type { StageName } from '../../src/verify/findings.js';
import { repoRoot } from './tools.js';

export type { StageName };

export const exampleChartsDir = join(repoRoot, 'charts');

export type ExampleChart = 'telemetry-viewer' | 'patient-records' | 'dose-calculator' | 'alarm-gateway';

export interface ExpectedFault {
  stage: StageName;
  /** Rule id of the error finding; undefined for lint findings (helm's own messages have none). */
  rule?: string;
  /** Text the error finding's message must contain (names the key, field or object at fault). */
  messageIncludes?: string;
  /** File inside the chart the error finding must point at. */
  file?: string;
  /** Rendered object (Kind/name) the error finding must name. */
  object?: string;
  /**
   * Other rules of the same stage that the one fault also breaks, as errors (e.g. a container
   * without any security context). Every error of the stage must have one of these or `rule`.
   */
  alsoErrors?: string[];
  /** Stages that must be skipped because of the fault, with the reason they give. */
  skipped?: { stage: StageName; reason: string }[];
}

export interface BrokenChartSpec {
  /** Short id; also the directory name of the built copy. */
  id: string;
  /** What was broken, for test names and failure messages. */
  fault: string;
  base: ExampleChart;
  /** The one values set to test (`values.yaml` for the defaults alone). */
  values: string;
  kubeVersion: string;
  /** Extra CLI flags the fault needs (e.g. a class at which the rule is an error). */
  extraArgs?: string[];
  expected: ExpectedFault;
  /** Puts the fault into the copy at `dir`. */
  apply(dir: string): Promise<void>;
}

export interface BrokenChart extends Omit<BrokenChartSpec, 'apply'> {
  /** Absolute path of the broken copy. */
  dir: string;
}

/**
 * Replaces exactly one occurrence of `from` in a file of the chart. Throws when the text is not
 * there exactly once, so a change in the generated charts makes the corpus fail loudly instead of
 * silently producing a chart that is not broken (or broken differently).
 */
export async function editChartFile(dir: string, file: string, from: string | RegExp, to: string): Promise<void> {
  const path = join(dir, file);
  const before = await readFile(path, 'utf8');
  const count =
    typeof from === 'string' ? before.split(from).length - 1 : (before.match(new RegExp(from.source, `${from.flags.replace('g', '')}g`)) ?? []).length;
  if (count !== 1) {
    throw new Error(`broken-charts: expected ${String(from)} exactly once in ${file}, found it ${count} time(s); the example chart changed, update the corpus`);
  }
  const after = typeof from === 'string' ? before.replace(from, () => to) : before.replace(from, to);
  await writeFile(path, after);
}

/**
 * Copies an example chart to `dest`. Its charts/ directory (fetched dependency archives, not in
 * git) is never copied; with `withDependencies` the dependencies are provided unpacked from the
 * offline fixture charts (same names and versions as the real ones), so no network or registry
 * is needed.
 */
export async function copyExampleChart(name: ExampleChart, dest: string, options: { withDependencies?: boolean } = {}): Promise<string> {
  const source = join(exampleChartsDir, name);
  await cp(source, dest, { recursive: true, filter: (path) => path !== join(source, 'charts') });
  if (options.withDependencies) {
    const chart = await readFile(join(dest, 'Chart.yaml'), 'utf8');
    for (const match of chart.matchAll(/^\s*-\s*name:\s*(\S+)\s*$/gm)) {
      const dependency = match[1] as string;
      await cp(join(fixtureChartsDir, dependency), join(dest, 'charts', dependency), { recursive: true });
    }
  }
  return dest;
}

// The container block of templates/deployment.yaml, as generated.
const CONTAINER_SECURITY_CONTEXT = /( {10})securityContext:\n {12}\{\{- toYaml \.Values\.securityContext \| nindent 12 \}\}\n/;
const POD_SECURITY_CONTEXT = /( {6})securityContext:\n {8}\{\{- toYaml \.Values\.podSecurityContext \| nindent 8 \}\}\n/;

export const BROKEN_CHARTS: BrokenChartSpec[] = [
  {
    id: 'yaml-bad-indentation',
    fault: 'a template renders YAML that does not parse (a badly indented line in the ConfigMap)',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: {
      stage: 'template',
      rule: 'yaml-syntax',
      file: 'templates/configmap.yaml',
      skipped: [
        { stage: 'schema', reason: 'template failed' },
        { stage: 'policy', reason: 'template failed' },
      ],
    },
    apply: (dir) => editChartFile(dir, 'templates/configmap.yaml', 'kind: ConfigMap\n', 'kind: ConfigMap\n  stray: badly indented\n'),
  },
  {
    id: 'yaml-duplicate-key',
    fault: 'a template renders YAML that does not parse (the same key twice in one mapping)',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: { stage: 'template', rule: 'yaml-syntax', messageIncludes: 'duplicated mapping key', file: 'templates/configmap.yaml' },
    apply: (dir) => editChartFile(dir, 'templates/configmap.yaml', 'kind: ConfigMap\n', 'kind: ConfigMap\nkind: ConfigMap\n'),
  },
  {
    id: 'render-nil-pointer',
    fault: 'a template dereferences a value that does not exist (nil pointer)',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: {
      stage: 'template',
      rule: 'render',
      messageIncludes: 'nil pointer',
      file: 'templates/service.yaml',
      skipped: [
        { stage: 'schema', reason: 'template failed' },
        { stage: 'policy', reason: 'template failed' },
      ],
    },
    // In the Service: the ConfigMap is also rendered inside the Deployment (its checksum annotation),
    // where helm would report it first.
    apply: (dir) => editChartFile(dir, 'templates/service.yaml', 'kind: Service\n', 'kind: Service\n# {{ .Values.nope.deeper }}\n'),
  },
  {
    id: 'values-schema',
    fault: 'values.yaml breaks values.schema.json (replicaCount: "many")',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: {
      stage: 'lint',
      messageIncludes: 'replicaCount',
      file: 'values.yaml',
      skipped: [
        { stage: 'template', reason: 'the values do not load (see lint)' },
        { stage: 'schema', reason: 'template skipped' },
      ],
    },
    apply: (dir) => editChartFile(dir, 'values.yaml', /^replicaCount: 1$/m, 'replicaCount: "many"'),
  },
  {
    id: 'unknown-field',
    fault: 'a misspelt container field (imagePullPolcy)',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: { stage: 'schema', rule: 'unknown-field', messageIncludes: 'imagePullPolcy', file: 'templates/deployment.yaml', object: 'Deployment/release-name-telemetry-viewer' },
    apply: (dir) =>
      editChartFile(dir, 'templates/deployment.yaml', /^( {10})imagePullPolicy: (.*)$/m, '$1imagePullPolicy: $2\n$1imagePullPolcy: Always'),
  },
  {
    id: 'wrong-type',
    fault: 'a string where the schema wants an integer (terminationGracePeriodSeconds: "thirty")',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: { stage: 'schema', rule: 'schema', messageIncludes: 'terminationGracePeriodSeconds', file: 'templates/deployment.yaml', object: 'Deployment/release-name-telemetry-viewer' },
    apply: (dir) =>
      editChartFile(
        dir,
        'templates/deployment.yaml',
        'terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}',
        'terminationGracePeriodSeconds: "thirty"',
      ),
  },
  {
    id: 'removed-api',
    fault: 'the PodDisruptionBudget uses policy/v1beta1, removed in Kubernetes 1.25',
    base: 'telemetry-viewer',
    // values-prod.yaml turns the PodDisruptionBudget on.
    values: 'values-prod.yaml',
    kubeVersion: '1.35',
    expected: { stage: 'schema', rule: 'removed-api', messageIncludes: 'policy/v1beta1', file: 'templates/pdb.yaml', object: 'PodDisruptionBudget/release-name-telemetry-viewer' },
    apply: (dir) => editChartFile(dir, 'templates/pdb.yaml', 'apiVersion: policy/v1\n', 'apiVersion: policy/v1beta1\n'),
  },
  {
    id: 'image-latest',
    fault: 'the app container image is busybox:latest',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: { stage: 'policy', rule: 'image-tag-pinned', messageIncludes: 'busybox:latest', file: 'templates/deployment.yaml', object: 'Deployment/release-name-telemetry-viewer' },
    apply: (dir) => editChartFile(dir, 'templates/deployment.yaml', /^( {10})image: .*$/m, '$1image: busybox:latest'),
  },
  {
    id: 'run-as-root',
    fault: 'the app container runs as UID 0',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: { stage: 'policy', rule: 'run-as-non-root', messageIncludes: 'UID 0', file: 'templates/deployment.yaml', object: 'Deployment/release-name-telemetry-viewer' },
    // Everything else in the security context stays as generated; only the user changes.
    apply: (dir) =>
      editChartFile(
        dir,
        'templates/deployment.yaml',
        CONTAINER_SECURITY_CONTEXT,
        [
          '$1securityContext:',
          '$1  runAsUser: 0',
          '$1  readOnlyRootFilesystem: true',
          '$1  allowPrivilegeEscalation: false',
          '$1  privileged: false',
          '$1  capabilities:',
          '$1    drop: [ALL]',
          '$1  seccompProfile:',
          '$1    type: RuntimeDefault',
          '',
        ].join('\n'),
      ),
  },
  {
    id: 'run-as-root-unset',
    fault: 'neither the pod nor the app container sets a security context (may run as root)',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: {
      stage: 'policy',
      rule: 'run-as-non-root',
      messageIncludes: 'runAsNonRoot',
      file: 'templates/deployment.yaml',
      object: 'Deployment/release-name-telemetry-viewer',
      // allowPrivilegeEscalation is unset too: an error at every class. The capability, seccomp
      // and read-only root rules are only warnings at class A.
      alsoErrors: ['no-privilege-escalation'],
    },
    apply: async (dir) => {
      await editChartFile(dir, 'templates/deployment.yaml', CONTAINER_SECURITY_CONTEXT, '');
      await editChartFile(dir, 'templates/deployment.yaml', POD_SECURITY_CONTEXT, '');
    },
  },
  {
    id: 'no-liveness-probe',
    fault: 'the app container has no liveness probe',
    // Class B: a missing liveness probe is only a warning at class A (telemetry-viewer's class).
    base: 'patient-records',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: { stage: 'policy', rule: 'liveness-probe', messageIncludes: 'livenessProbe', file: 'templates/deployment.yaml', object: 'Deployment/release-name-patient-records' },
    apply: (dir) =>
      editChartFile(dir, 'templates/deployment.yaml', /^ {10}livenessProbe:\n {12}\{\{- include "patient-records\.probe" \.Values\.probes\.liveness \| nindent 12 \}\}\n/m, ''),
  },
  {
    id: 'pdb-blocks-disruption',
    fault: 'PodDisruptionBudget minAvailable equals the HPA minReplicas (values file)',
    base: 'patient-records',
    values: 'values-pdb.yaml',
    kubeVersion: '1.35',
    expected: { stage: 'policy', rule: 'pdb-allows-disruption', messageIncludes: 'minReplicas 2', file: 'templates/pdb.yaml', object: 'PodDisruptionBudget/release-name-patient-records' },
    // values-prod.yaml (HPA on with minReplicas 2, PDB on with maxUnavailable null), minAvailable raised to 2.
    apply: async (dir) => {
      const prod = await readFile(join(dir, 'values-prod.yaml'), 'utf8');
      await writeFile(join(dir, 'values-pdb.yaml'), prod);
      await editChartFile(dir, 'values-pdb.yaml', /^( {2})minAvailable: 1$/m, '$1minAvailable: 2');
      // No-op edit that checks maxUnavailable is null, as the chart's pdb template requires with minAvailable.
      await editChartFile(dir, 'values-pdb.yaml', /^( {2})maxUnavailable: null$/m, '$1maxUnavailable: null');
    },
  },
  {
    id: 'service-selects-nothing',
    fault: 'the Service selector matches no pod',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: { stage: 'policy', rule: 'service-selects-pods', messageIncludes: 'no-such-app', file: 'templates/service.yaml', object: 'Service/release-name-telemetry-viewer' },
    apply: (dir) =>
      editChartFile(
        dir,
        'templates/service.yaml',
        /^( {2})selector:\n {4}\{\{- include "telemetry-viewer\.selectorLabels" \. \| nindent 4 \}\}$/m,
        '$1selector:\n$1  app.kubernetes.io/name: no-such-app',
      ),
  },
  {
    id: 'secret-in-env',
    fault: 'a password in a plain env value (DB_PASSWORD: hunter2)',
    base: 'telemetry-viewer',
    values: 'values.yaml',
    kubeVersion: '1.35',
    expected: { stage: 'policy', rule: 'no-secret-in-env', messageIncludes: 'DB_PASSWORD', file: 'templates/deployment.yaml', object: 'Deployment/release-name-telemetry-viewer' },
    apply: (dir) =>
      editChartFile(
        dir,
        'templates/deployment.yaml',
        /^( {10})livenessProbe:$/m,
        '$1env:\n$1  - name: DB_PASSWORD\n$1    value: hunter2\n$1livenessProbe:',
      ),
  },
];

/** Builds every broken chart (or the named ones) as <root>/<id>. */
export async function buildBrokenCharts(root: string, ids?: string[]): Promise<BrokenChart[]> {
  const selected = ids ? BROKEN_CHARTS.filter((spec) => ids.includes(spec.id)) : BROKEN_CHARTS;
  const built: BrokenChart[] = [];
  for (const { apply, ...spec } of selected) {
    const dir = join(root, spec.id);
    await copyExampleChart(spec.base, dir, { withDependencies: true });
    await apply(dir);
    built.push({ ...spec, dir });
  }
  return built;
}
