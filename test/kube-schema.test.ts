// The schema stage's validator on manifests written here, each reproducing a false result the
// stage used to give (issue 9) or a real error it must keep catching. Objects are read with the
// same parser as `helm template` output.
import { describe, expect, it } from 'vitest';
import { bundledSchemas, schemaIndex } from '../src/kube/schema.js';
import { type Finding } from '../src/verify/findings.js';
import { SCHEMA_MINORS, schemaMinorFor, validateManifests } from '../src/verify/kubeSchema.js';
import { parseManifests } from '../src/verify/manifests.js';

function validate(yaml: string, minor = '1.35', crdYaml?: string) {
  const { manifests, findings } = parseManifests(`---\n# Source: chart/templates/test.yaml\n${yaml}`);
  expect(findings).toEqual([]);
  const crds = crdYaml ? parseManifests(crdYaml).manifests.map((manifest) => ({ file: 'crds/crd.yaml', object: manifest.object })) : undefined;
  return validateManifests(manifests, minor, crds ? { crds } : {});
}

const errors = (findings: Finding[]) => findings.filter((finding) => finding.severity === 'error').map((finding) => `${finding.rule}: ${finding.message}`);

const statefulSet = (spec: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16.4
${spec}`;

const service = (port: string) => `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
${port}`;

describe('defaulted empty and null fields are not errors; real errors still are', () => {
  it('accepts podManagementPolicy: "" (the API server defaults it to OrderedReady)', () => {
    expect(errors(validate(statefulSet('  podManagementPolicy: ""')).findings)).toEqual([]);
  });

  it('rejects a podManagementPolicy that is not one of the enum values', () => {
    expect(errors(validate(statefulSet('  podManagementPolicy: Sequential')).findings)).toEqual([
      'schema: spec.podManagementPolicy: "Sequential" is not allowed, must be one of OrderedReady, Parallel',
    ]);
  });

  it('accepts protocol: null (null is the field left out; the API server defaults TCP)', () => {
    expect(errors(validate(service('  - port: 80\n    protocol: null\n    targetPort: http')).findings)).toEqual([]);
  });

  it('still rejects a required field set to null, a missing one, and a wrong protocol', () => {
    expect(errors(validate(service('  - port: null\n    protocol: tcp')).findings)).toEqual([
      'schema: spec.ports[0].port: required field is missing',
      'schema: spec.ports[0].protocol: "tcp" is not allowed, must be one of SCTP, TCP, UDP',
    ]);
  });

  it('rejects a real unknown field, nested or at the top', () => {
    expect(errors(validate(statefulSet('        imagePullPolcy: Always\n  replica: 2')).findings)).toEqual([
      'unknown-field: spec.template.spec.containers[0].imagePullPolcy: unknown field (not in the StatefulSet schema of Kubernetes 1.35)',
      'unknown-field: spec.replica: unknown field (not in the StatefulSet schema of Kubernetes 1.35)',
    ]);
  });
});

describe('YAML 1.1 values against the schema', () => {
  it('accepts yes/on for booleans and 0755 for an octal mode, as Kubernetes reads them', () => {
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  automountServiceAccountToken: no
  containers:
  - name: app
    image: busybox:1.36
    securityContext: {readOnlyRootFilesystem: yes, runAsNonRoot: on, allowPrivilegeEscalation: off}
  volumes:
  - name: config
    configMap: {name: c, defaultMode: 0755}`;
    const outcome = validate(pod);
    expect(errors(outcome.findings)).toEqual([]);
  });

  it('flags a boolean where a string is required (a chart named yes renders app: yes)', () => {
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yes\n  labels: {app.kubernetes.io/name: yes}\ndata:\n  mode: 0755\n';
    expect(errors(validate(configMap).findings)).toEqual([
      'schema: metadata.name: must be a string, got boolean true (Kubernetes reads YAML 1.1: quote the value to keep it a string)',
      'schema: metadata.labels.app.kubernetes.io/name: must be a string, got boolean true (Kubernetes reads YAML 1.1: quote the value to keep it a string)',
      'schema: data.mode: must be a string, got number 493 (Kubernetes reads YAML 1.1: quote the value to keep it a string)',
    ]);
  });
});

describe('int-or-string, quantities and bytes decode as the Go types do', () => {
  const deployment = (extra: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {app: d}}
  strategy: {rollingUpdate: {maxSurge: 25%, maxUnavailable: ${extra}}}
  template:
    metadata: {labels: {app: d}}
    spec:
      containers:
      - name: app
        image: busybox:1.36
        resources:
          requests: {cpu: 0.5, memory: 128Mi}
          limits: {cpu: 500m, memory: 1G, ephemeral-storage: 2e3}`;

  it('accepts integers and strings for int-or-string and numbers or quantity strings for quantities', () => {
    expect(errors(validate(deployment('1')).findings)).toEqual([]);
  });

  it('rejects a fraction for int-or-string and a string that is not a quantity', () => {
    const broken = deployment('0.5').replace('memory: 1G', 'memory: 1 GB');
    expect(errors(validate(broken).findings)).toEqual([
      'schema: spec.strategy.rollingUpdate.maxUnavailable: must be an integer or a string, got number 0.5',
      'schema: spec.template.spec.containers[0].resources.limits.memory: "1 GB" is not a quantity (like 500m, 1.5, 128Mi, 1G)',
    ]);
  });

  it('checks Secret data is base64, as the API server decodes it', () => {
    const secret = (value: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  password: ${value}\nstringData:\n  plain: not base64 is fine here\n`;
    expect(errors(validate(secret('aGVsbG8=')).findings)).toEqual([]);
    expect(errors(validate(secret('hello world')).findings)).toEqual([
      "schema: data.password: is not base64 (a Secret's data holds base64; put plain text under stringData)",
    ]);
  });
});

describe('custom resources', () => {
  const gateway = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: web, port: 80}]}]`;

  it('reports a Gateway API object as not validated (info) without its CRD, never as "does not exist"', () => {
    const outcome = validate(gateway);
    expect(errors(outcome.findings)).toEqual([]);
    expect(outcome.notValidated).toEqual(['HTTPRoute/web']);
    expect(outcome.findings).toEqual([expect.objectContaining({ severity: 'info', rule: 'not-validated', object: 'HTTPRoute/web' })]);
  });

  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: backups.example.com}
spec:
  group: example.com
  names: {kind: Backup, plural: backups}
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
            required: [schedule, owner]
            properties:
              schedule: {type: string}
              retention: {type: integer}
              owner: {type: string, nullable: true}
              mode: {type: string, enum: [full, incremental]}
              size: {x-kubernetes-int-or-string: true}
              options: {type: object, x-kubernetes-preserve-unknown-fields: true}
              template: {type: object, x-kubernetes-embedded-resource: true, x-kubernetes-preserve-unknown-fields: true}
  - name: v1alpha1
    served: false
    storage: false
`;
  const backup = (spec: string, apiVersion = 'example.com/v1') => `apiVersion: ${apiVersion}\nkind: Backup\nmetadata: {name: nightly}\nspec:\n${spec}`;

  it('validates a custom resource that conforms to the CRD shipped in crds/', () => {
    const good = backup('  schedule: "0 3 * * *"\n  owner: null\n  retention: 7\n  mode: full\n  size: 10%\n  options: {anything: [1, 2]}\n  template: {apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: {a: b}}');
    const outcome = validate(good, '1.35', crd);
    expect(outcome.findings).toEqual([]);
    expect(outcome.notValidated).toEqual([]);
  });

  it('reports what violates the CRD: unknown field, type, enum, required, embedded object, metadata', () => {
    const bad = `apiVersion: example.com/v1\nkind: Backup\nmetadata: {name: nightly, labelz: {}}\nspec:\n  retention: "7"\n  mode: partial\n  schedulee: x\n  template: {data: {}}`;
    expect(errors(validate(bad, '1.35', crd).findings)).toEqual([
      'unknown-field: metadata.labelz: unknown field (not in the Backup schema of the CRD backups.example.com (crds/crd.yaml))',
      'schema: spec.schedule: required field is missing',
      'schema: spec.owner: required field is missing',
      'schema: spec.retention: must be an integer, got string "7"',
      'schema: spec.mode: "partial" is not allowed, must be one of full, incremental',
      'unknown-field: spec.schedulee: unknown field (not in the Backup schema of the CRD backups.example.com (crds/crd.yaml))',
      'schema: spec.template.apiVersion: required field is missing (an embedded object needs apiVersion and kind)',
      'schema: spec.template.kind: required field is missing (an embedded object needs apiVersion and kind)',
    ]);
  });

  it('uses a CRD rendered by the templates as well, and rejects a version the CRD does not serve', () => {
    const outcome = validate(`${crd}---\n${backup('  schedule: daily', 'example.com/v1alpha1')}`);
    expect(errors(outcome.findings)).toEqual([
      'unknown-api: example.com/v1alpha1 Backup: the chart\'s CRD backups.example.com does not serve version v1alpha1 (it serves v1)',
    ]);
  });

  it('validates each item of a v1 List as its own object', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: ok}\n  data: {a: b}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: bad}\n  dataa: {a: b}`;
    const outcome = validate(list);
    expect(outcome.findings.map((finding) => [finding.object, finding.message])).toEqual([
      ['ConfigMap/bad', 'dataa: unknown field (not in the ConfigMap schema of Kubernetes 1.35)'],
    ]);
  });
});

describe('APIs by target minor', () => {
  const pdb = (apiVersion: string) => `apiVersion: ${apiVersion}\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: a}}`;
  const ingress = 'apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  backend: {serviceName: s, servicePort: 80}';

  it('fails a removed API for the minor that removed it and later ones only', () => {
    expect(errors(validate(pdb('policy/v1beta1'), '1.24').findings)).toEqual([]);
    for (const minor of ['1.25', '1.30', '1.35']) {
      expect(errors(validate(pdb('policy/v1beta1'), minor).findings)).toEqual(['removed-api: policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25; use policy/v1 PodDisruptionBudget']);
    }
    expect(errors(validate(ingress, '1.21').findings)).toEqual([]);
    expect(errors(validate(ingress, '1.22').findings)).toEqual(['removed-api: extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1 Ingress']);
  });

  it('reports a kind that no minor of a built-in group has as not existing', () => {
    expect(errors(validate('apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: d}').findings)).toEqual(['unknown-api: apps/v1 Deploymnet does not exist in Kubernetes 1.35']);
  });

  it('validates every minor from 1.20 against its own schema, and newer ones against the newest', () => {
    expect(SCHEMA_MINORS).toEqual(Array.from({ length: 18 }, (_, index) => `1.${20 + index}`));
    for (const minor of SCHEMA_MINORS) {
      expect(schemaMinorFor(minor)).toBe(minor);
      expect(bundledSchemas(minor).kinds['apps/v1/Deployment']).toBe('io.k8s.api.apps.v1.Deployment');
      expect(errors(validate(statefulSet(''), minor).findings)).toEqual([]);
    }
    expect(schemaMinorFor('1.40')).toBe('1.37');
  });

  it('knows fields by minor: StatefulSetSpec.ordinals (added in 1.26) is unknown to 1.25', () => {
    expect(errors(validate(statefulSet('  ordinals: {start: 1}'), '1.25').findings)).toEqual([
      'unknown-field: spec.ordinals: unknown field (not in the StatefulSet schema of Kubernetes 1.25)',
    ]);
    expect(errors(validate(statefulSet('  ordinals: {start: 1}'), '1.26').findings)).toEqual([]);
  });

  it('does not demand fields older specs marked required but the API server never enforced', () => {
    // NetworkPolicySpec.podSelector and StatefulSetSpec.serviceName are required in the 1.30 spec, optional later.
    const policy = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec:\n  policyTypes: [Ingress]';
    expect(errors(validate(policy, '1.30').findings)).toEqual([]);
    expect(errors(validate(statefulSet('').replace('  serviceName: db\n', ''), '1.30').findings)).toEqual([]);
    expect(errors(validate(statefulSet('').replace('  selector:\n    matchLabels: {app: db}\n', ''), '1.30').findings)).toEqual(['schema: spec.selector: required field is missing']);
  });

  it('the removed-API table covers 1.16 to 1.37 from the specs, the 1.16 removals from the migration guide', () => {
    const removed = schemaIndex().removedApis;
    expect(Math.min(...removed.map((api) => Number(api.removedIn.split('.')[1])))).toBe(16);
    expect(removed.find((api) => api.apiVersion === 'extensions/v1beta1' && api.kind === 'Deployment')).toMatchObject({ removedIn: '1.16', replacement: 'apps/v1 Deployment' });
    expect(removed.find((api) => api.apiVersion === 'batch/v1beta1' && api.kind === 'CronJob')).toMatchObject({ removedIn: '1.25', source: 'spec', replacement: 'batch/v1 CronJob' });
    expect(removed.find((api) => api.apiVersion === 'flowcontrol.apiserver.k8s.io/v1beta3' && api.kind === 'FlowSchema')).toMatchObject({ removedIn: '1.32' });
  });
});
