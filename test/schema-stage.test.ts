// The schema stage end to end: small charts written here, rendered by the real helm binaries
// (.tools), tested with `chartwright test`. Each reproduces a false result of issue 9 or a real
// error the stage must keep reporting.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './support/cli.js';
import { helmBinaries, isolatedHelmEnv } from './support/tools.js';

interface StageReport {
  stage: string;
  status: string;
  kubeVersion?: string;
  reason?: string;
  findings: { severity: string; rule?: string; message: string; file?: string; object?: string }[];
}

function writeChart(dir: string, name: string, files: Record<string, string>): string {
  const chartDir = join(dir, name);
  const all = { 'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`, 'values.yaml': '{}\n', ...files };
  for (const [file, text] of Object.entries(all)) {
    mkdirSync(dirname(join(chartDir, file)), { recursive: true });
    writeFileSync(join(chartDir, file), text);
  }
  return chartDir;
}

async function schemaStages(chartDir: string, helm: string, kubeVersions: string[]): Promise<{ exitCode: number; stages: StageReport[] }> {
  const result = await runCli(['test', chartDir, '--format', 'json', '--helm', helm, '--kube-version', kubeVersions.join(',')]);
  if (result.exitCode !== 0 && result.exitCode !== 1) throw new Error(`chartwright test exited ${result.exitCode}:\n${result.stderr}`);
  const report = JSON.parse(result.stdout) as { charts: { stages: StageReport[] }[] };
  return { exitCode: result.exitCode, stages: (report.charts[0]?.stages ?? []).filter((stage) => stage.stage === 'schema') };
}

const BACKUP_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.example.com
spec:
  group: example.com
  names: {kind: Backup, plural: backups, singular: backup}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [schedule]
            properties:
              schedule: {type: string}
              retention: {type: integer}
`;

const TEMPLATES = {
  'values.yaml': 'podManagementPolicy: ""\nprotocol: null\n',
  'templates/statefulset.yaml': `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}-db
spec:
  serviceName: {{ .Release.Name }}-db
  podManagementPolicy: {{ .Values.podManagementPolicy | quote }}
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16.4
        ports:
        - containerPort: 5432
          protocol: {{ .Values.protocol | toJson }}
`,
  'templates/route.yaml': `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: {{ .Release.Name }}-web
spec:
  parentRefs: [{name: gateway}]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`,
  'templates/list.yaml': `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: {{ .Release.Name }}-one}
  data: {mode: "0755"}
`,
  'templates/backup.yaml': `apiVersion: example.com/v1
kind: Backup
metadata:
  name: {{ .Release.Name }}-nightly
spec:
  schedule: "0 3 * * *"
  retention: 7
`,
};

describe.each(helmBinaries())('schema stage with $label', (helm) => {
  it('passes Gateway API objects, v1 Lists, empty and null defaulted fields and a CR that conforms to its CRD', async () => {
    const dir = await tempDir();
    const chart = writeChart(dir, 'defaults', { ...TEMPLATES, 'crds/backup.yaml': BACKUP_CRD });
    const { stages } = await schemaStages(chart, helm.path, ['1.35']);
    expect(stages).toHaveLength(1);
    expect(stages[0]?.status).toBe('passed');
    expect(stages[0]?.findings).toEqual([
      expect.objectContaining({ severity: 'info', rule: 'not-validated', object: 'HTTPRoute/release-name-web', file: 'templates/route.yaml' }),
    ]);
  });

  it('fails a CR that violates the CRD in crds/, a real unknown field, and an item of a v1 List', async () => {
    const dir = await tempDir();
    const chart = writeChart(dir, 'violations', {
      ...TEMPLATES,
      'crds/backup.yaml': BACKUP_CRD,
      'templates/backup.yaml': TEMPLATES['templates/backup.yaml'].replace('  schedule: "0 3 * * *"\n', '').replace('retention: 7', 'retention: "7"\n  retain: 7'),
      'templates/list.yaml': TEMPLATES['templates/list.yaml'].replace('data: {mode: "0755"}', 'data: {mode: 0755}'),
      'templates/statefulset.yaml': TEMPLATES['templates/statefulset.yaml'].replace('image: postgres:16.4', 'image: postgres:16.4\n        imagePullPolcy: Always'),
    });
    const { exitCode, stages } = await schemaStages(chart, helm.path, ['1.35']);
    expect(exitCode).toBe(1);
    const errors = stages[0]?.findings.filter((finding) => finding.severity === 'error').map((finding) => `${finding.object} ${finding.message}`);
    expect(errors?.sort()).toEqual(
      [
        'Backup/release-name-nightly spec.schedule: required field is missing',
        'Backup/release-name-nightly spec.retention: must be an integer, got string "7"',
        'Backup/release-name-nightly spec.retain: unknown field (not in the Backup schema of the CRD backups.example.com (crds/backup.yaml))',
        'ConfigMap/release-name-one data.mode: must be a string, got number 493 (Kubernetes reads YAML 1.1: quote the value to keep it a string)',
        'StatefulSet/release-name-db spec.template.spec.containers[0].imagePullPolcy: unknown field (not in the StatefulSet schema of Kubernetes 1.35)',
      ].sort(),
    );
  });

  it('flags the booleans a chart named yes renders where strings are required', async () => {
    const dir = await tempDir();
    const chart = writeChart(dir, 'yes', {
      'templates/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n  labels:\n    app.kubernetes.io/name: {{ .Chart.Name }}\ndata:\n  enabled: "true"\n',
    });
    const { exitCode, stages } = await schemaStages(chart, helm.path, ['1.35']);
    expect(exitCode).toBe(1);
    expect(stages[0]?.findings).toEqual([
      expect.objectContaining({
        severity: 'error',
        rule: 'schema',
        object: 'ConfigMap/config',
        message: 'metadata.labels.app.kubernetes.io/name: must be a string, got boolean true (Kubernetes reads YAML 1.1: quote the value to keep it a string)',
      }),
    ]);
  });

  it('validates --kube-version 1.25 and 1.33 against their own schemas (no crash), a removed API failing only from its minor', async () => {
    const dir = await tempDir();
    const chart = writeChart(dir, 'old-minors', {
      'templates/cronjob.yaml': `apiVersion: batch/v1beta1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: job, image: busybox:1.36}]
`,
    });
    const { exitCode, stages } = await schemaStages(chart, helm.path, ['1.24', '1.25', '1.33']);
    expect(exitCode).toBe(1);
    expect(stages.map((stage) => [stage.kubeVersion, stage.status, stage.reason])).toEqual([
      ['1.24', 'passed', undefined],
      ['1.25', 'failed', undefined],
      ['1.33', 'failed', undefined],
    ]);
    expect(stages[1]?.findings).toEqual([
      expect.objectContaining({ rule: 'removed-api', message: 'batch/v1beta1 CronJob was removed in Kubernetes 1.25; use batch/v1 CronJob' }),
    ]);
  });

  it('finds the CRDs of a packaged subchart (charts/*.tgz)', async () => {
    const dir = await tempDir();
    const sub = writeChart(dir, 'backups', { 'crds/backup.yaml': BACKUP_CRD });
    const parent = writeChart(dir, 'parent', {
      'Chart.yaml': 'apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n- name: backups\n  version: 0.1.0\n',
      'templates/backup.yaml': TEMPLATES['templates/backup.yaml'].replace('retention: 7', 'retention: seven'),
    });
    mkdirSync(join(parent, 'charts'));
    execFileSync(helm.path, ['package', sub, '--destination', join(parent, 'charts')], { env: isolatedHelmEnv(join(dir, 'helm')) });
    const { stages } = await schemaStages(parent, helm.path, ['1.35']);
    expect(stages[0]?.findings.map((finding) => finding.message)).toEqual([
      'spec.retention: must be an integer, got string "seven"',
    ]);
  });
});
